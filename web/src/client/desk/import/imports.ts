/**
 * 名单导入 (server/imports/): a roster file's dry run, its commit as one batch, the batches and
 * their undo, the template; and the last-resort file (导出未同步数据) a phone could not send.
 * Admins only, online only.
 */
import { ApiError } from '../../http'
import { downloadAsUser, requestAsUser, uploadAsUser } from '../../auth/request'

export type ImportKind = 'talent' | 'service_center'
export type RowAction = 'create' | 'update' | 'unchanged' | 'error'

export const KIND_LABELS: Readonly<Record<ImportKind, string>> = {
  talent: '人才名单',
  service_center: '党群服务中心',
}

export const ACTION_LABELS: Readonly<Record<RowAction, string>> = {
  create: '新增',
  update: '更新',
  unchanged: '无变化',
  error: '有错误',
}

export interface PreviewRow {
  row: number
  action: RowAction
  name: string
  messages: string[]
  changed: string[]
}

export interface Preview {
  kind: ImportKind
  headers: string[]
  mapping: Record<string, string>
  fields: { key: string; label: string; required: boolean }[]
  created: number
  updated: number
  unchanged: number
  errors: number
  rows: PreviewRow[]
}

export interface Batch {
  id: string
  kind: ImportKind
  filename: string
  created: number
  updated: number
  unchanged: number
  created_at: string
  undone_at: string | null
}

export interface ReplayItem {
  kind: 'mutation' | 'photo'
  id: string
  outcome: 'applied' | 'already' | 'conflict' | 'refused'
  entity: string
  record_id: string
  code: string
  message: string
}

export interface ReplayReport {
  username: string
  device_id: string
  applied: number
  already: number
  conflict: number
  refused: number
  items: ReplayItem[]
}

function form(file: File, mapping?: Record<string, string>): FormData {
  const data = new FormData()
  data.append('file', file, file.name)
  if (mapping) data.append('mapping', JSON.stringify(mapping))
  return data
}

export async function previewImport(kind: ImportKind, file: File, mapping?: Record<string, string>): Promise<Preview> {
  const body = (await uploadAsUser(`/api/imports/${kind}/preview`, form(file, mapping))) as Partial<Preview> | null
  if (!body || !Array.isArray(body.rows) || typeof body.mapping !== 'object') {
    throw new ApiError(200, 'response.invalid', 'import preview: unexpected response')
  }
  return body as Preview
}

export async function commitImport(kind: ImportKind, file: File, mapping: Record<string, string>): Promise<Batch> {
  return (await uploadAsUser(`/api/imports/${kind}/commit`, form(file, mapping))) as Batch
}

export async function listBatches(): Promise<Batch[]> {
  const body = (await requestAsUser('GET', '/api/imports/batches?limit=50')) as { items?: Batch[] } | null
  return body?.items ?? []
}

export async function undoBatch(id: string): Promise<Batch> {
  return (await requestAsUser('POST', `/api/imports/batches/${encodeURIComponent(id)}/undo`)) as Batch
}

export async function replayUnsent(file: File): Promise<ReplayReport> {
  return (await uploadAsUser('/api/imports/unsent', form(file), 300_000)) as ReplayReport
}

/** Save the template of a kind (the browser's download). */
export async function downloadTemplate(kind: ImportKind): Promise<string> {
  const { blob, filename } = await downloadAsUser(`/api/imports/${kind}/template`)
  const url = URL.createObjectURL(blob)
  const link = document.createElement('a')
  link.href = url
  link.download = filename
  document.body.append(link)
  link.click()
  link.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
  return filename
}

/** What to show for a failure: the server's own Chinese message for import codes. */
export function importErrorMessage(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.code.startsWith('import.')) return error.message
    if (error.code === 'auth.forbidden') return '只有管理员可以导入名单。'
    return error.userMessage
  }
  return '操作失败，请重试。'
}

/** Rows to show under a filter (all, or one action). */
export function rowsWith(rows: readonly PreviewRow[], action: RowAction | 'all'): PreviewRow[] {
  return action === 'all' ? [...rows] : rows.filter((r) => r.action === action)
}
