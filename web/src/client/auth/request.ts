/**
 * Online requests made as the signed-in user (screens that need the server: 冲突处理, 审核).
 * An expired sign-in asks to sign in again, as the sync does; the error goes on to the caller.
 */
import { ApiError, apiRequest } from '../api'
import { markNeedsReauth, session } from './session'

export async function requestAsUser(method: string, path: string, body?: unknown): Promise<unknown> {
  if (!session.token) throw new ApiError(401, 'auth.required', 'not signed in')
  try {
    return await apiRequest(method, path, { token: session.token, body })
  } catch (error) {
    if (error instanceof ApiError && error.code === 'auth.required') markNeedsReauth()
    throw error
  }
}

/** A file from the server (an export), as the signed-in user: its bytes and the name it gives. */
export async function downloadAsUser(path: string): Promise<{ blob: Blob; filename: string }> {
  if (!session.token) throw new ApiError(401, 'auth.required', 'not signed in')
  let response: Response
  try {
    response = await fetch(path, { headers: { Authorization: `Bearer ${session.token}` }, cache: 'no-store' })
  } catch {
    throw new ApiError(0, 'network.offline', 'Network unavailable')
  }
  if (!response.ok) {
    const body = (await response.json().catch(() => null)) as { code?: unknown; message?: unknown } | null
    const code = typeof body?.code === 'string' ? body.code : response.status === 401 ? 'auth.required' : 'server.error'
    if (code === 'auth.required') markNeedsReauth()
    throw new ApiError(response.status, code, String(body?.message ?? `HTTP ${response.status}`))
  }
  return { blob: await response.blob(), filename: filenameOf(response.headers.get('Content-Disposition')) }
}

/** The name in a Content-Disposition header, preferring the UTF-8 one (filename*=UTF-8''…). */
export function filenameOf(disposition: string | null): string {
  const utf8 = /filename\*=UTF-8''([^;]+)/i.exec(disposition ?? '')
  if (utf8?.[1]) {
    try {
      return decodeURIComponent(utf8[1])
    } catch {
      // fall through to the plain name
    }
  }
  return /filename="?([^";]+)"?/i.exec(disposition ?? '')?.[1] ?? 'download'
}
