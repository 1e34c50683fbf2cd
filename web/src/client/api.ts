/**
 * The HTTP API client: same-origin JSON under /api, Bearer tokens, and one error
 * type. Every failure — HTTP error, no network, time-out, a reply that is not our
 * JSON — becomes an ApiError with a stable `code`; its `userMessage` is the zh-CN
 * text from shared/errors.ts.
 */
import { CLIENT_ERROR_CODES, errorMessage } from '../shared/errors'
import { lookup } from '../shared/lookup'
import { reportReachable } from './common/online'

export type Role = 'field_staff' | 'supervisor' | 'handler' | 'admin'

export interface User {
  id: string
  username: string
  display_name: string
  role: Role
  org_unit_id: string
  org_unit_name: string
}

export interface LoginRequest {
  username: string
  password: string
  device_id: string
  device_name: string
}

export interface LoginResponse {
  token: string
  user: User
}

export interface Health {
  status: 'ok'
  version: string
  database: 'sqlite' | 'postgresql'
}

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

const DEFAULT_TIMEOUT_MS = 20_000

interface RequestOptions {
  token?: string | null
  body?: unknown
  timeoutMs?: number
}

/** Code for an error reply that lacks our JSON body (a proxy's page, say). */
function codeForStatus(status: number): string {
  if (status === 401) return 'auth.required'
  if (status === 403) return 'auth.forbidden'
  if (status === 404) return 'not_found'
  if (status === 413) return 'payload.too_large'
  if (status >= 500) return 'server.error'
  return CLIENT_ERROR_CODES.invalidResponse
}

function isErrorBody(body: unknown): body is { code: string; message?: unknown; details?: unknown } {
  return typeof body === 'object' && body !== null && typeof (body as { code?: unknown }).code === 'string'
}

async function readJson(response: Response): Promise<unknown> {
  const type = response.headers.get('Content-Type') ?? ''
  if (!type.includes('json')) return undefined
  try {
    return await response.json()
  } catch {
    return undefined
  }
}

/**
 * Send one request. Resolves with the parsed JSON body (undefined for 204);
 * rejects with ApiError only.
 */
export async function apiRequest(method: string, path: string, options: RequestOptions = {}): Promise<unknown> {
  const headers: Record<string, string> = { Accept: 'application/json' }
  if (options.token) headers['Authorization'] = `Bearer ${options.token}`
  if (options.body !== undefined) headers['Content-Type'] = 'application/json'

  // AbortController + setTimeout rather than AbortSignal.timeout: older WebViews lack it.
  const controller = new AbortController()
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    controller.abort()
  }, options.timeoutMs ?? DEFAULT_TIMEOUT_MS)

  let response: Response
  try {
    response = await fetch(path, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      cache: 'no-store',
      credentials: 'same-origin',
      signal: controller.signal,
    })
  } catch {
    reportReachable(false)
    if (timedOut) throw new ApiError(0, CLIENT_ERROR_CODES.timeout, 'Request timed out')
    throw new ApiError(0, CLIENT_ERROR_CODES.offline, 'Network unavailable')
  } finally {
    clearTimeout(timer)
  }

  reportReachable(true)
  if (response.status === 204) return undefined
  const body = await readJson(response)
  if (!response.ok) {
    if (isErrorBody(body)) {
      const details =
        typeof body.details === 'object' && body.details !== null ? (body.details as Record<string, unknown>) : {}
      throw new ApiError(response.status, body.code, String(body.message ?? body.code), details)
    }
    throw new ApiError(response.status, codeForStatus(response.status), `HTTP ${response.status}`)
  }
  // A 200 that is not JSON is not our server (a Wi-Fi sign-in page, typically): never treat it as success.
  if (body === undefined) {
    throw new ApiError(response.status, CLIENT_ERROR_CODES.invalidResponse, 'Response is not JSON')
  }
  return body
}

function invalidResponse(what: string): ApiError {
  return new ApiError(200, CLIENT_ERROR_CODES.invalidResponse, `Unexpected ${what} response`)
}

const ROLES: readonly Role[] = ['field_staff', 'supervisor', 'handler', 'admin']

export function isUser(value: unknown): value is User {
  if (typeof value !== 'object' || value === null) return false
  const user = value as Record<string, unknown>
  return (
    typeof user['id'] === 'string' &&
    typeof user['username'] === 'string' &&
    typeof user['display_name'] === 'string' &&
    ROLES.includes(user['role'] as Role) &&
    typeof user['org_unit_id'] === 'string' &&
    typeof user['org_unit_name'] === 'string'
  )
}

export async function login(request: LoginRequest): Promise<LoginResponse> {
  const body = await apiRequest('POST', '/api/auth/login', { body: request })
  const reply = body as Partial<LoginResponse>
  if (typeof reply.token !== 'string' || reply.token === '' || !isUser(reply.user)) throw invalidResponse('login')
  return { token: reply.token, user: reply.user }
}

export async function logout(token: string, timeoutMs?: number): Promise<void> {
  await apiRequest('POST', '/api/auth/logout', { token, timeoutMs })
}

export async function fetchMe(token: string): Promise<User> {
  const body = await apiRequest('GET', '/api/me', { token })
  if (!isUser(body)) throw invalidResponse('me')
  return body
}

export async function fetchHealth(): Promise<Health> {
  const body = (await apiRequest('GET', '/api/health')) as Partial<Health>
  if (body.status !== 'ok' || typeof body.version !== 'string') throw invalidResponse('health')
  return body as Health
}

/** The zh-CN text for a failed request: a screen's own wording for its codes, else the common one. */
export function messageFor(error: unknown, own: Readonly<Record<string, string>> = {}): string {
  const code = error instanceof ApiError ? error.code : 'client.error'
  return lookup(own, code) ?? errorMessage(code, error instanceof ApiError ? error.details : undefined)
}
