/** How a sync run ends early, and what the engine does about it. */
import { ApiError } from '../http'
import { syncErrorMessage } from './messages'

/**
 * `auth`: the server refused the token; pause until the user signs in again.
 * `retry`: no answer, a 5xx, a captive portal...; try again after a back-off.
 * `fatal`: retrying cannot help (this app version is too old); wait for an update.
 */
export type StopKind = 'auth' | 'retry' | 'fatal'

export class SyncStop extends Error {
  override readonly name = 'SyncStop'
  constructor(
    readonly kind: StopKind,
    readonly code: string,
    message: string = syncErrorMessage(code),
  ) {
    super(message)
  }
}

/** The stop an ApiError means when it concerns the whole request (not one mutation or photo). */
export function stopFor(error: unknown): SyncStop {
  if (error instanceof SyncStop) return error
  if (error instanceof ApiError) {
    if (error.status === 401 || error.code === 'sync.device_mismatch') return new SyncStop('auth', error.code === 'sync.device_mismatch' ? error.code : 'auth.required')
    if (error.code === 'sync.unsupported_version') return new SyncStop('fatal', error.code)
    if (error.status === 403) return new SyncStop('fatal', 'auth.forbidden')
    if (error.status === 429 || error.status === 503) return new SyncStop('retry', 'server.busy')
    return new SyncStop('retry', error.code, syncErrorMessage(error.code, error.details))
  }
  // IndexedDB failures and bugs: retry later, and show what happened.
  console.error('Sync failed', error)
  const storage = typeof DOMException !== 'undefined' && error instanceof DOMException
  return new SyncStop('retry', storage ? 'storage.failed' : 'client.error')
}
