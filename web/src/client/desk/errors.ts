/**
 * A failed admin request as a message next to the field it is about. The admin endpoints
 * answer their own codes with a Chinese message and `details.field`; a schema validation error
 * names the field in its text (`... - at \`$.username\``).
 */
import { ApiError, messageFor } from '../http'

export interface FieldError {
  /** The form field the error belongs to, or null for the form as a whole. */
  field: string | null
  message: string
}

/** Codes whose server message is already the Chinese text to show. */
const SERVER_WORDED = /^(org_unit|user|device|audit|auth\.(out_of_scope|wrong_password|password_unchanged))\b/

const FIELD_WORDING: Readonly<Record<string, string>> = {
  username: '用户名须为 2–50 位小写字母、数字或 _ . -',
  display_name: '请填写姓名（不超过 50 字）',
  phone: '电话号码格式不正确',
  name: '请填写名称（不超过 100 字）',
  new_password: '新密码至少 8 位',
}

export function fieldError(error: unknown): FieldError {
  if (!(error instanceof ApiError)) return { field: null, message: messageFor(error) }
  const named = error.details['field']
  const field = typeof named === 'string' ? named : null
  if (SERVER_WORDED.test(error.code)) return { field, message: error.message }
  if (error.code === 'request.validation') {
    const at = /`\$\.([a-z_]+)`/.exec(error.message)?.[1] ?? null
    return { field: at, message: (at && FIELD_WORDING[at]) || messageFor(error) }
  }
  return { field, message: messageFor(error) }
}
