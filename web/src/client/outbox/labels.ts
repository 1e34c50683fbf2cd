import { lookup } from '../../shared/lookup'
import type { OutboxStatus } from '../storage'

const ENTITY_LABELS: Readonly<Record<string, string>> = {
  visit: '人才走访',
  inspection: '阵地检查',
  demand: '诉求',
  rectification: '整改',
  photo: '照片',
}

export function entityLabel(entity: string): string {
  return lookup(ENTITY_LABELS, entity) ?? entity
}

export const OUTBOX_STATUS_LABELS: Readonly<Record<OutboxStatus, string>> = {
  pending: '待发送',
  sending: '发送中',
  rejected: '未被接收',
  conflict: '有冲突',
}

/** Vant Tag type per status: items that need the user's attention stand out. */
export const OUTBOX_STATUS_TAG: Readonly<Record<OutboxStatus, 'primary' | 'success' | 'warning' | 'danger'>> = {
  pending: 'primary',
  sending: 'success',
  rejected: 'danger',
  conflict: 'warning',
}
