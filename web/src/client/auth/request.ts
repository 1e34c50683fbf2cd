/**
 * Online requests made as the signed-in user (screens that need the server: 冲突处理, 审核, 周报).
 * An expired sign-in asks to sign in again, as the sync does; the error goes on to the caller.
 */
import { ApiError, download, requestJson } from '../http'
import { markNeedsReauth, session } from './session'

async function asUser<T>(call: (token: string) => Promise<T>): Promise<T> {
  if (!session.token) throw new ApiError(401, 'auth.required', 'not signed in')
  try {
    return await call(session.token)
  } catch (error) {
    if (error instanceof ApiError && error.code === 'auth.required') markNeedsReauth()
    throw error
  }
}

export function requestAsUser(method: string, path: string, body?: unknown): Promise<unknown> {
  return asUser((token) => requestJson(method, path, { token, json: body }))
}

/** A file from the server (an export), as the signed-in user: its bytes and the name it gives. */
export function downloadAsUser(path: string): Promise<{ blob: Blob; filename: string }> {
  return asUser((token) => download(path, { token }))
}

/** A form with a file (an import), as the signed-in user; uploads and checks may take a while. */
export function uploadAsUser(path: string, form: FormData, timeoutMs = 120_000): Promise<unknown> {
  return asUser((token) => requestJson('POST', path, { token, body: form, timeoutMs }))
}
