/** Screen logic of 审计日志: action names in Chinese, and the file an export is saved as. */
import type { AuditEntry } from '../api'

export const ACTION_LABELS: Readonly<Record<string, string>> = {
  'auth.login': '登录',
  'auth.login_failed': '登录失败',
  'auth.logout': '退出登录',
  'auth.password_changed': '修改密码',
  'org_unit.create': '新建单位',
  'org_unit.update': '修改单位',
  'user.create': '新建用户',
  'user.update': '修改用户',
  'user.reset_password': '重置密码',
  'user.sign_device_out': '设备退出登录',
  'audit.export': '导出审计日志',
  'report.export': '导出周报',
  'visit.review': '审核走访',
  'inspection.review': '审核检查',
  'demand.assign': '交办诉求',
  'demand.progress': '诉求办理',
  'demand.reply': '诉求答复',
  'demand.revisit': '诉求回访',
  'demand.close_out': '诉求销号',
  'demand.escalate': '诉求督办',
  'system.init': '系统初始化',
}

export const ENTITY_LABELS: Readonly<Record<string, string>> = {
  visit: '走访',
  inspection: '检查',
  demand: '诉求',
  org_unit: '单位',
  user: '用户',
  weekly_report: '周报',
}

export function entityLabel(entity: string): string {
  return Object.hasOwn(ENTITY_LABELS, entity) ? ENTITY_LABELS[entity]! : entity
}

export function actionLabel(action: string): string {
  return Object.hasOwn(ACTION_LABELS, action) ? ACTION_LABELS[action]! : action
}

/** What changed, field by field, for an entry with before/after values: "name: 甲 → 乙". */
export function changeSummary(entry: AuditEntry): string {
  const before = entry.details['before'] as Record<string, unknown> | undefined
  const after = entry.details['after'] as Record<string, unknown> | undefined
  if (!after) return Object.keys(entry.details).length ? JSON.stringify(entry.details) : ''
  if (!before) return Object.entries(after).map(([k, v]) => `${k}: ${String(v)}`).join('；')
  return Object.keys(after)
    .filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]))
    .map((k) => `${k}: ${String(before[k])} → ${String(after[k])}`)
    .join('；')
}
