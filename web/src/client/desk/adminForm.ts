/**
 * What every admin form shares: the field messages the server sends with a
 * `*.invalid` error (zh-CN, by field), and the Chinese text of the other codes.
 */
import { ApiError, messageFor } from '../http'

export type FieldErrors = Record<string, string>

const MESSAGES: Readonly<Record<string, string>> = {
  'roster.invalid': '输入有误，请检查标出的字段',
  'campaign.invalid': '输入有误，请检查标出的字段',
  'template.invalid': '输入有误，请检查标出的字段',
  'roster.stale_version': '该条目已被他人修改，请刷新后重试',
  'campaign.stale_version': '该活动已被他人修改，请刷新后重试',
  'template.stale_version': '该模板已被他人修改，请刷新后重试',
  'roster.inactive': '该条目已停用，不能再修改',
  'campaign.inactive': '该活动已停用，不能再修改',
  'template.inactive': '该模板已停用，不能再修改',
  'auth.forbidden': '只有管理员可以维护这些信息',
  not_found: '该条目不存在或不在您的管理范围内',
  'network.offline': '需要联网才能维护这些信息',
}

/** The per-field messages of a failed save (empty when the error is not about fields). */
export function fieldErrorsOf(error: unknown): FieldErrors {
  if (!(error instanceof ApiError)) return {}
  const fields = error.details['fields']
  if (typeof fields !== 'object' || fields === null) return {}
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => typeof v === 'string')) as FieldErrors
}

/** The message above the form (zh-CN). */
export function adminErrorMessage(error: unknown): string {
  return messageFor(error, MESSAGES)
}

/** "" → the trimmed text; reused by every form's checks. */
export function tooLong(value: string, max: number): boolean {
  return value.trim().length > max
}
