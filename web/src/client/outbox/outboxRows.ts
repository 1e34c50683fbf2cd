/**
 * The outbox screen's rows: queued mutations grouped per record, and photos the
 * server does not have yet, each with a status, a size and an age.
 */
import type { OutboxItem, OutboxStatus, Photo, PhotoStatus } from '../storage'
import { entityLabel, OUTBOX_STATUS_LABELS, OUTBOX_STATUS_TAG } from './labels'

export type TagType = 'primary' | 'success' | 'warning' | 'danger'

export interface OutboxRow {
  key: string
  kind: 'record' | 'photo'
  title: string
  /** What is waiting: "保存并提交", "照片 · 已传 40%". */
  detail: string
  status: OutboxStatus | PhotoStatus
  statusLabel: string
  tag: TagType
  /** Bytes waiting to go. */
  size: number
  createdAt: number
  /** Why it did not go, and what to do (zh-CN). */
  error: string | null
  /** Outbox items of a record (to discard a rejected one). */
  itemIds: string[]
  /** Where the record can be read (and, if returned or refused, fixed). */
  link: string | null
  sha256: string | null
}

const PHOTO_STATUS_LABELS: Readonly<Record<PhotoStatus, string>> = {
  pending: '待上传',
  uploading: '上传中',
  uploaded: '已上传',
  rejected: '被拒绝',
}
const PHOTO_STATUS_TAG: Readonly<Record<PhotoStatus, TagType>> = {
  pending: 'primary',
  uploading: 'success',
  uploaded: 'success',
  rejected: 'danger',
}

const encoder = new TextEncoder()

function recordStatus(items: readonly OutboxItem[]): OutboxStatus {
  if (items.some((i) => i.status === 'rejected')) return 'rejected'
  if (items.some((i) => i.status === 'conflict')) return 'conflict'
  if (items.some((i) => i.status === 'sending')) return 'sending'
  return 'pending'
}

function dateOf(items: readonly OutboxItem[]): string {
  for (const item of [...items].reverse()) {
    const p = item.payload as { visit?: { visited_on?: string }; inspection?: { inspected_on?: string } } | null
    const date = p?.visit?.visited_on ?? p?.inspection?.inspected_on
    if (date) return date
  }
  return ''
}

/** "1.2 MB", "380 KB", "512 B". */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`
  return `${bytes} B`
}

export function outboxRows(items: readonly OutboxItem[], photos: readonly Photo[]): OutboxRow[] {
  const byRecord = new Map<string, OutboxItem[]>()
  for (const item of items) {
    const key = `${item.entity}:${item.entity_id}`
    byRecord.set(key, [...(byRecord.get(key) ?? []), item])
  }
  const rows: OutboxRow[] = []
  for (const [key, group] of byRecord) {
    group.sort((a, b) => a.seq - b.seq)
    const status = recordStatus(group)
    const kinds = new Set(group.map((i) => i.kind.split('.')[1]))
    const action = kinds.has('delete') ? '删除' : kinds.has('submit') ? (kinds.has('put') ? '保存并提交' : '提交') : '保存'
    const date = dateOf(group)
    const failed = group.find((i) => i.status === 'rejected') ?? group.find((i) => i.last_error)
    rows.push({
      key,
      kind: 'record',
      title: date ? `${entityLabel(group[0]!.entity)} · ${date}` : entityLabel(group[0]!.entity),
      detail: action,
      status,
      statusLabel: OUTBOX_STATUS_LABELS[status],
      tag: OUTBOX_STATUS_TAG[status],
      size: group.reduce((n, i) => n + encoder.encode(JSON.stringify(i.payload)).length, 0),
      createdAt: Math.min(...group.map((i) => i.created_at)),
      error: failed ? (failed.error_message ?? null) : null,
      itemIds: group.map((i) => i.id),
      link: group[0]!.entity === 'visit' || group[0]!.entity === 'inspection' ? `/records/${group[0]!.entity}/${group[0]!.entity_id}` : null,
      sha256: null,
    })
  }
  for (const photo of photos) {
    if (photo.status === 'uploaded') continue
    const percent = photo.size > 0 ? Math.floor((photo.uploaded_bytes / photo.size) * 100) : 0
    rows.push({
      key: `photo:${photo.sha256}`,
      kind: 'photo',
      title: '照片',
      detail: photo.uploaded_bytes > 0 && photo.status !== 'rejected' ? `已传 ${percent}%` : photo.mime === 'image/png' ? 'PNG' : 'JPG',
      status: photo.status,
      statusLabel: PHOTO_STATUS_LABELS[photo.status],
      tag: PHOTO_STATUS_TAG[photo.status],
      size: photo.size - (photo.status === 'rejected' ? 0 : photo.uploaded_bytes),
      createdAt: photo.created_at,
      error: photo.status === 'rejected' ? (photo.error_message ?? null) : null,
      itemIds: [],
      link: null,
      sha256: photo.sha256,
    })
  }
  // Problems first, then the oldest.
  const weight = (row: OutboxRow): number => (row.status === 'rejected' ? 0 : 1)
  return rows.sort((a, b) => weight(a) - weight(b) || a.createdAt - b.createdAt)
}
