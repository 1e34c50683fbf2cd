/**
 * 审核: supervisors approve the visits and inspections of their area, or return them with a
 * comment the visitor reads on the phone (the server's `POST /api/{visits|inspections}/{id}/review`).
 *
 * What is waiting is read from the phone: a reviewer's phone pulls the records of its unit's
 * subtree, so the list and the records open offline too. A decision needs the network (the
 * server decides, and names the version the reviewer read so that a record changed meanwhile is
 * never approved unseen); the new status then reaches every phone with a pull.
 */
import { ApiError, messageFor } from '../http'
import { requestAsUser } from '../auth/request'
import { toRows, type RecordRow, type RosterNames } from '../records/recordList'
import type { MyRecord, RecordStatus } from '../sync'

export type ReviewDecision = 'approve' | 'return'

export interface ReviewResult {
  id: string
  status: RecordStatus
  version: number
  review_comment: string
  reviewed_at: string
}

const PLURAL: Readonly<Record<'visit' | 'inspection', string>> = { visit: 'visits', inspection: 'inspections' }

/** Approve a submitted record, or return it with `comment` (required then); `version` is the one read. */
export async function reviewRecord(
  entity: 'visit' | 'inspection',
  id: string,
  decision: ReviewDecision,
  comment: string,
  version: number,
): Promise<ReviewResult> {
  const body = await requestAsUser('POST', `/api/${PLURAL[entity]}/${id}/review`, {
    decision,
    comment: comment.trim(),
    version,
  })
  const result = body as Partial<ReviewResult> | null
  if (!result || result.id !== id || typeof result.status !== 'string' || typeof result.version !== 'number') {
    throw new ApiError(200, 'response.invalid', 'review: unexpected response')
  }
  return result as ReviewResult
}

const MESSAGES: Readonly<Record<string, string>> = {
  'review.comment_required': '退回时请写明需要修改的地方。',
  'review.not_submitted': '这条记录已不是待审核状态（可能已由他人审核）。已为你刷新。',
  'review.stale_version': '走访人在你打开后修改过这条记录。已为你刷新，请看过最新内容后再审核。',
  'review.own_record': '不能审核自己提交的记录，请由其他审核人审核。',
  not_found: '找不到这条记录，或它不在你的审核范围内。',
  'auth.forbidden': '当前账号没有审核权限。',
  'auth.required': '登录已失效，请重新登录后再审核。',
  'network.offline': '需要联网才能提交审核结果。',
  'network.timeout': '网络太慢，审核结果没有送达，请稍后再试。',
}

/** What the reviewer reads when a decision did not go through (zh-CN). */
export function reviewErrorMessage(error: unknown): string {
  return messageFor(error, MESSAGES)
}

/** Errors after which the record on the phone is out of date: pull before deciding again. */
export function needsFreshCopy(error: unknown): boolean {
  return error instanceof ApiError && ['review.not_submitted', 'review.stale_version', 'not_found'].includes(error.code)
}

export type ReviewFilter = 'submitted' | 'returned' | 'approved'

export interface ReviewRow extends RecordRow {
  /** Who recorded it, as the visitor wrote the names (visits) or the inspector (inspections). */
  people: string
  submitted_at: string
  reviewed_at: string
}

/**
 * Rows of 审核 for one filter: waiting records oldest first (the longest wait on top), reviewed
 * ones newest first. Drafts of others are never listed: they are not sent for review yet.
 */
export function reviewRows(
  records: readonly MyRecord[],
  filter: ReviewFilter,
  names: RosterNames,
): ReviewRow[] {
  const chosen = records.filter((r) => r.status === filter)
  const byId = new Map(chosen.map((r) => [r.id, r]))
  const rows = toRows(chosen, [], names).map((row): ReviewRow => {
    const record = byId.get(row.id)!
    const server = record.server
    return {
      ...row,
      path: `/reviews/${row.entity}/${row.id}`,
      people: record.entity === 'visit' ? (record.data.visitors ?? []).join('、') : '',
      submitted_at: server?.submitted_at ?? '',
      reviewed_at: server?.reviewed_at ?? '',
    }
  })
  if (filter === 'submitted') {
    return rows.sort((a, b) => a.submitted_at.localeCompare(b.submitted_at) || a.id.localeCompare(b.id))
  }
  return rows.sort((a, b) => b.reviewed_at.localeCompare(a.reviewed_at) || a.id.localeCompare(b.id))
}
