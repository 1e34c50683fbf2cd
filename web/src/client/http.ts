/**
 * The one HTTP client: every request the page makes goes through here (a test
 * keeps `fetch(` out of every other module). It owns time-outs, offline
 * detection (every answer, or its absence, is reported to common/online.ts),
 * captive-portal detection (a 200 that is not our JSON is never a success) and
 * error mapping: every failure is an ApiError with a stable `code` (status 0:
 * no answer arrived) whose `userMessage` is the zh-CN text from shared/errors.ts.
 */
import { CLIENT_ERROR_CODES, errorMessage } from '../shared/errors'
import { lookup } from '../shared/lookup'
import { reportReachable } from './common/online'

export class ApiError extends Error {
  override readonly name = 'ApiError'

  constructor(
    /** HTTP status; 0 when no response arrived. */
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message)
  }

  /** What to show the user (zh-CN). */
  get userMessage(): string {
    return errorMessage(this.code, this.details)
  }
}

export const DEFAULT_TIMEOUT_MS = 20_000

export interface SendOptions {
  /** Sent as a Bearer token. */
  token?: string | null
  /** A body sent as JSON. */
  json?: unknown
  /** A body sent as is (photo bytes); give its Content-Type in `headers`. */
  body?: BodyInit
  headers?: Readonly<Record<string, string>>
  timeoutMs?: number
}

/**
 * Send one request and resolve with whatever HTTP answer arrives (any status).
 * Rejects only when none does: ApiError(0, 'network.timeout' | 'network.offline').
 */
export async function send(method: string, path: string, options: SendOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { ...options.headers }
  if (options.token) headers['Authorization'] = `Bearer ${options.token}`
  let body = options.body
  if (options.json !== undefined) {
    headers['Content-Type'] = 'application/json'
    body = JSON.stringify(options.json)
  }
  // AbortController + setTimeout rather than AbortSignal.timeout: older WebViews lack it.
  const controller = new AbortController()
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    controller.abort()
  }, options.timeoutMs ?? DEFAULT_TIMEOUT_MS)
  try {
    const response = await fetch(path, {
      method,
      headers,
      body,
      cache: 'no-store',
      credentials: 'same-origin',
      signal: controller.signal,
    })
    reportReachable(true)
    return response
  } catch {
    reportReachable(false)
    if (timedOut) throw new ApiError(0, CLIENT_ERROR_CODES.timeout, 'Request timed out')
    throw new ApiError(0, CLIENT_ERROR_CODES.offline, 'Network unavailable')
  } finally {
    clearTimeout(timer)
  }
}

/** The parsed body of a JSON answer; undefined when it is not JSON (a proxy's or portal's page). */
export async function readJson(response: Response): Promise<unknown> {
  if (!(response.headers.get('Content-Type') ?? '').includes('json')) return undefined
  try {
    return await response.json()
  } catch {
    return undefined
  }
}

/** Code for an error answer that lacks our JSON body (a proxy's page, say). */
function codeForStatus(status: number): string {
  if (status === 401) return 'auth.required'
  if (status === 403) return 'auth.forbidden'
  if (status === 404) return 'not_found'
  if (status === 413) return 'payload.too_large'
  if (status >= 500) return 'server.error'
  return CLIENT_ERROR_CODES.invalidResponse
}

/** The ApiError for a non-2xx answer, from our JSON error body when there is one. */
export async function errorFrom(response: Response): Promise<ApiError> {
  const body = await readJson(response)
  if (typeof body === 'object' && body !== null && typeof (body as { code?: unknown }).code === 'string') {
    const b = body as { code: string; message?: unknown; details?: unknown }
    const details = typeof b.details === 'object' && b.details !== null ? (b.details as Record<string, unknown>) : {}
    return new ApiError(response.status, b.code, String(b.message ?? b.code), details)
  }
  return new ApiError(response.status, codeForStatus(response.status), `HTTP ${response.status}`)
}

/** The error for an answer that is not what our server sends (checked by the caller). */
export function invalidResponse(status: number, what: string): ApiError {
  return new ApiError(status, CLIENT_ERROR_CODES.invalidResponse, `Unexpected ${what} response`)
}

/**
 * A JSON request. Resolves with the parsed body (undefined for 204); rejects
 * with ApiError only. A 200 that is not JSON is not our server (a Wi-Fi sign-in
 * page, typically): never a success.
 */
export async function requestJson(method: string, path: string, options: SendOptions = {}): Promise<unknown> {
  const response = await send(method, path, { ...options, headers: { Accept: 'application/json', ...options.headers } })
  if (!response.ok) throw await errorFrom(response)
  if (response.status === 204) return undefined
  const body = await readJson(response)
  if (body === undefined) throw new ApiError(response.status, CLIENT_ERROR_CODES.invalidResponse, 'Response is not JSON')
  return body
}

/** Exports can take a while to build on the server. */
const DOWNLOAD_TIMEOUT_MS = 120_000

/** A file (an export): its bytes and the name the server gives it. */
export async function download(path: string, options: SendOptions = {}): Promise<{ blob: Blob; filename: string }> {
  const response = await send('GET', path, { timeoutMs: DOWNLOAD_TIMEOUT_MS, ...options })
  if (!response.ok) throw await errorFrom(response)
  // A portal's page is HTML; our exports never are.
  if ((response.headers.get('Content-Type') ?? '').includes('text/html')) throw invalidResponse(response.status, 'download')
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

/** The zh-CN text for a failed request: a screen's own wording for its codes, else the common one. */
export function messageFor(error: unknown, own: Readonly<Record<string, string>> = {}): string {
  const code = error instanceof ApiError ? error.code : 'client.error'
  return lookup(own, code) ?? errorMessage(code, error instanceof ApiError ? error.details : undefined)
}
