/** Changing one's own password (the account screen, or forced after an admin's reset). */
import { requestAsUser } from '../auth/request'

export const MIN_PASSWORD = 8

/** What is wrong with the form before it is sent, by field; empty when it may be sent. */
export function passwordProblems(current: string, next: string, repeat: string): Record<string, string> {
  const problems: Record<string, string> = {}
  if (!current) problems['current_password'] = '请输入当前密码'
  if (next.length < MIN_PASSWORD) problems['new_password'] = `新密码至少 ${MIN_PASSWORD} 位`
  else if (next === current) problems['new_password'] = '新密码不能与当前密码相同'
  if (repeat !== next) problems['repeat'] = '两次输入的新密码不一致'
  return problems
}

export function changePassword(current_password: string, new_password: string): Promise<unknown> {
  return requestAsUser('POST', '/api/me/password', { current_password, new_password })
}
