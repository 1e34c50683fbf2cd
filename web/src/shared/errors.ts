/**
 * The API's stable error codes and what the user reads for each (zh-CN).
 *
 * The server sends `{"code", "message", "details"}`; its `message` is English for
 * logs and support. The phone shows only the text chosen here from the code.
 */

import { lookup } from './lookup'

/** Shown for any code this build does not know. */
export const FALLBACK_MESSAGE = '操作失败，请稍后重试'

/** Codes the client makes itself, never sent by the server. */
export const CLIENT_ERROR_CODES = {
  offline: 'network.offline',
  timeout: 'network.timeout',
  invalidResponse: 'response.invalid',
} as const

const MESSAGES: Readonly<Record<string, string>> = {
  'auth.invalid_credentials': '用户名或密码错误',
  'auth.throttled': '登录尝试过多，请稍后再试',
  'auth.required': '登录已失效，请重新登录',
  'auth.forbidden': '没有权限',
  'request.invalid_json': '提交的数据格式有误',
  'request.validation': '提交的内容有误',
  not_found: '要找的内容不存在',
  'payload.too_large': '照片太大，请压缩后重试',
  'server.error': '服务器出错，请稍后重试',
  [CLIENT_ERROR_CODES.offline]: '网络不可用',
  [CLIENT_ERROR_CODES.timeout]: '网络超时，请稍后重试',
  // A 200 that is not our JSON is usually a Wi-Fi sign-in page (captive portal).
  [CLIENT_ERROR_CODES.invalidResponse]: '服务器响应异常，请检查网络（如需登录 Wi-Fi 请先登录）',
}

/** The zh-CN text for an error code; `details` fills in numbers such as a wait time. */
export function errorMessage(code: string, details?: Readonly<Record<string, unknown>>): string {
  if (code === 'auth.throttled') {
    const seconds = retryAfterSeconds(details)
    if (seconds !== null) return `登录尝试过多，请 ${seconds} 秒后再试`
  }
  return lookup(MESSAGES, code) ?? FALLBACK_MESSAGE
}

function retryAfterSeconds(details?: Readonly<Record<string, unknown>>): number | null {
  const value = details?.['retry_after']
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) return null
  return Math.ceil(value)
}
