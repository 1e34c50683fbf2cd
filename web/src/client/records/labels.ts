/** zh-CN labels and tag colours for review and sync status. */
import { lookup } from '../../shared/lookup'
import type { DemandStatus, RectificationStatus } from '../../shared/protocol'
import type { RecordStatus, RecordSyncStatus } from '../sync'

type TagType = 'primary' | 'success' | 'warning' | 'danger' | 'default'

export const REVIEW_LABELS: Readonly<Record<RecordStatus, string>> = {
  draft: '草稿',
  submitted: '已提交',
  approved: '已审核',
  returned: '退回',
}

export const REVIEW_TAGS: Readonly<Record<RecordStatus, TagType>> = {
  draft: 'default',
  submitted: 'primary',
  approved: 'success',
  returned: 'danger',
}

export const SYNC_LABELS: Readonly<Record<RecordSyncStatus, string>> = {
  pending: '待同步',
  sending: '同步中',
  rejected: '同步失败',
  conflict: '有冲突',
  synced: '已同步',
}

export const SYNC_TAGS: Readonly<Record<RecordSyncStatus, TagType>> = {
  pending: 'warning',
  sending: 'primary',
  rejected: 'danger',
  conflict: 'warning',
  synced: 'success',
}

const DEMAND_STATUS_LABELS: Readonly<Record<DemandStatus, string>> = {
  received: '已受理',
  resolved_on_site: '当场解决',
  assigned: '已交办',
  in_progress: '办理中',
  replied: '已答复',
  revisited: '已回访',
  closed: '已办结',
  acknowledged: '已签收',
  sent_back: '已退单',
}

export function demandStatusLabel(status: string): string {
  return lookup(DEMAND_STATUS_LABELS, status) ?? status
}

const RECTIFICATION_STATUS_LABELS: Readonly<Record<RectificationStatus, string>> = {
  pending: '待整改',
  in_progress: '整改中',
  reported: '已报整改',
  accepted: '已验收销号',
  returned: '退回重整',
}

export function rectificationStatusLabel(status: string): string {
  return lookup(RECTIFICATION_STATUS_LABELS, status) ?? status
}

/** A record that its author may change and send again. */
export function isEditable(status: RecordStatus): boolean {
  return status === 'draft' || status === 'returned'
}
