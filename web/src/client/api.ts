/**
 * The account endpoints (sign in, sign out, who am I) and the server's health,
 * typed and checked; the requests themselves go through ./http.ts.
 */
import { invalidResponse, requestJson } from './http'

export type Role = 'field_staff' | 'supervisor' | 'handler' | 'admin'

export interface User {
  id: string
  username: string
  display_name: string
  role: Role
  org_unit_id: string
  org_unit_name: string
  /** Signed in with a one-time password from an admin: change it before anything else. */
  must_change_password?: boolean
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
  const body = await requestJson('POST', '/api/auth/login', { json: request })
  const reply = body as Partial<LoginResponse>
  if (typeof reply.token !== 'string' || reply.token === '' || !isUser(reply.user)) throw invalidResponse(200, 'login')
  return { token: reply.token, user: reply.user }
}

export async function logout(token: string, timeoutMs?: number): Promise<void> {
  await requestJson('POST', '/api/auth/logout', { token, timeoutMs })
}

export async function fetchMe(token: string): Promise<User> {
  const body = await requestJson('GET', '/api/me', { token })
  if (!isUser(body)) throw invalidResponse(200, 'me')
  return body
}

export async function fetchHealth(): Promise<Health> {
  const body = (await requestJson('GET', '/api/health')) as Partial<Health>
  if (body.status !== 'ok' || typeof body.version !== 'string') throw invalidResponse(200, 'health')
  return body as Health
}
