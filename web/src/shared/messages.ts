/**
 * Messages between the page and the service worker. Both sides import this
 * module, so the shapes cannot drift apart.
 */

/** Ask a waiting service worker to activate (sent by workbox-window's messageSkipWaiting). */
export interface SkipWaitingMessage {
  type: 'SKIP_WAITING'
}

export type PageToWorkerMessage = SkipWaitingMessage

export function isSkipWaitingMessage(data: unknown): data is SkipWaitingMessage {
  return typeof data === 'object' && data !== null && (data as { type?: unknown }).type === 'SKIP_WAITING'
}
