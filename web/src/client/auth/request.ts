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
