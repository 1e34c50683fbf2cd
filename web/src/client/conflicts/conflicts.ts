/**
 * Field conflicts the server kept for a person to resolve (sync/PROTOCOL.md, "Conflicts").
 *
 * A stale edit never overwrites what someone else changed: the server keeps its value and
 * stores the device's as a conflict. Listing and resolving them needs the network (the
 * server decides, and a resolution is a new version that every phone then pulls). What a
 * value reads as, in Chinese, is worked out here.
 */
import { decodeConflictRecord, type ConflictRecord } from '../../shared/protocol'
import { ApiError } from '../http'
import { requestAsUser as call } from '../auth/request'
import { resultLabel } from '../inspection/inspectionForm'
import { fieldLabel } from '../sync/messages'
import { demandCategoryLabel, visitModeLabel } from '../visit/labels'

export type { ConflictRecord }

export const CONFLICTS_PATH = '/api/sync/conflicts'

const ENTITY_LABELS: Readonly<Record<string, string>> = {
  visit: '走访记录',
  demand: '诉求',
  inspection: '检查记录',
  inspection_item_result: '检查项',
  rectification: '整改事项',
}

export function entityLabel(entity: string): string {
  return ENTITY_LABELS[entity] ?? entity
}

/** What changed, as a person reads it: "备注", or "诉求 · 诉求内容" for a nested row. */
export function conflictTitle(c: Pick<ConflictRecord, 'entity' | 'record_entity' | 'field'>): string {
  const field = c.field === '_deleted' ? '是否删除' : fieldLabel(c.field)
  return c.entity === c.record_entity ? field : `${entityLabel(c.entity)} · ${field}`
}

/** A field's value in Chinese; empty values read "（空）". */
export function conflictValue(field: string, value: unknown): string {
  if (value === null || value === undefined || value === '') return '（空）'
  if (typeof value === 'boolean') {
    if (field === '_deleted') return value ? '删除' : '保留'
    return value ? '是' : '否'
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return '（空）'
    if (field === 'photos') return `${value.length} 张照片`
    return value.map((v) => conflictValue('', v)).join('、')
  }
  if (typeof value === 'object') {
    const parts = Object.entries(value as Record<string, unknown>).map(([k, v]) => `${k}：${conflictValue('', v)}`)
    return parts.length ? parts.join('；') : '（空）'
  }
  const text = String(value)
  if (field === 'mode') return visitModeLabel(text)
  if (field === 'category') return demandCategoryLabel(text)
  if (field === 'result') return resultLabel(text)
  return text
}

/** Open conflicts the user may see, newest first; only those of one record with `recordId`. */
export async function listConflicts(recordId?: string): Promise<ConflictRecord[]> {
  const query = new URLSearchParams({ status: 'open' })
  if (recordId) query.set('record_id', recordId)
  const body = await call('GET', `${CONFLICTS_PATH}?${query.toString()}`)
  if (!Array.isArray(body)) throw new ApiError(200, 'response.invalid', 'conflicts: not a list')
  return body.map(decodeConflictRecord)
}

/** Fields a person writes as paragraphs: a conflict on one can be settled with both texts merged. */
const FREE_TEXT = new Set(['policies', 'notes', 'description', 'note', 'issue'])

export function isFreeText(field: string): boolean {
  return FREE_TEXT.has(field)
}

/** Both texts, for a person to merge: what is there now, then what was sent. */
export function mergedDraft(c: Pick<ConflictRecord, 'current_value' | 'client_value'>): string {
  const texts = [c.current_value, c.client_value].filter((v): v is string => typeof v === 'string' && v !== '')
  return [...new Set(texts)].join('\n')
}

/**
 * Keep the server's value (`server`), take the one that was sent (`client`), or write another
 * (`value`: the server checks it as it checks an edit).
 */
export async function resolveConflict(
  id: string,
  resolution: 'server' | 'client' | 'value',
  value?: string,
): Promise<ConflictRecord> {
  const body = resolution === 'value' ? { resolution, value } : { resolution }
  return decodeConflictRecord(await call('POST', `${CONFLICTS_PATH}/${id}/resolve`, body))
}
