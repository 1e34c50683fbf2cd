/**
 * The admin endpoints (server/orgunits/, server/users/, server/audit/), typed. Online only:
 * the desk is used at a desk, with a connection.
 */
import { downloadAsUser, requestAsUser } from '../auth/request'
import type { Role } from '../api'

export type UnitKind = 'county' | 'department' | 'township' | 'subdistrict' | 'village' | 'community'

export interface AdminUnit {
  id: string
  name: string
  kind: UnitKind
  parent_id: string | null
  path: string
  code: string | null
  active: boolean
  user_count: number
}

export interface AdminUser {
  id: string
  username: string
  display_name: string
  role: Role
  org_unit_id: string
  org_unit_name: string
  phone: string
  active: boolean
  must_change_password: boolean
}

export interface Device {
  id: string
  device_id: string
  device_name: string
  signed_in_at: string
  last_used_at: string | null
  last_sync_at: string | null
  expires_at: string
  revoked_at: string | null
}

export interface Page<T> {
  total: number
  items: T[]
}

export interface AuditEntry {
  id: string
  created_at: string
  actor_username: string | null
  actor_name: string | null
  action: string
  entity: string
  entity_id: string
  details: Record<string, unknown>
  ip: string
}

/** A query string of the filters that are set. */
export function query(params: Record<string, string | number | boolean | null | undefined>): string {
  const search = new URLSearchParams()
  for (const [key, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== '') search.set(key, String(value))
  }
  const text = search.toString()
  return text ? `?${text}` : ''
}

export const units = () => requestAsUser('GET', '/api/admin/org-units') as Promise<AdminUnit[]>
export const createUnit = (body: { name: string; kind: UnitKind; parent_id: string; code?: string | null }) =>
  requestAsUser('POST', '/api/admin/org-units', body) as Promise<AdminUnit>
export const updateUnit = (id: string, body: Partial<Pick<AdminUnit, 'name' | 'code' | 'parent_id' | 'active'>>) =>
  requestAsUser('PATCH', `/api/admin/org-units/${id}`, body) as Promise<AdminUnit>

export interface UserFilters {
  q?: string
  unit_id?: string | null
  role?: Role | null
  active?: boolean | null
  limit?: number
  offset?: number
}
export const users = (filters: UserFilters) =>
  requestAsUser('GET', `/api/admin/users${query({ ...filters })}`) as Promise<Page<AdminUser>>
export const userDetail = (id: string) =>
  requestAsUser('GET', `/api/admin/users/${id}`) as Promise<{ user: AdminUser; devices: Device[] }>
export const createUser = (body: { username: string; display_name: string; role: Role; org_unit_id: string; phone?: string | null }) =>
  requestAsUser('POST', '/api/admin/users', body) as Promise<{ user: AdminUser; one_time_password: string }>
export const updateUser = (id: string, body: Partial<Pick<AdminUser, 'display_name' | 'phone' | 'role' | 'org_unit_id' | 'active'>>) =>
  requestAsUser('PATCH', `/api/admin/users/${id}`, body) as Promise<AdminUser>
export const resetPassword = (id: string) =>
  requestAsUser('POST', `/api/admin/users/${id}/reset-password`) as Promise<{ user: AdminUser; one_time_password: string }>
export const signDeviceOut = (userId: string, tokenId: string) =>
  requestAsUser('POST', `/api/admin/users/${userId}/devices/${tokenId}/sign-out`) as Promise<void>

export interface AuditFilters {
  actor?: string
  action?: string
  entity_id?: string
  since?: string
  until?: string
  limit?: number
  offset?: number
}
export const audit = (filters: AuditFilters) =>
  requestAsUser('GET', `/api/admin/audit${query({ ...filters })}`) as Promise<Page<AuditEntry>>
export const exportAudit = (filters: AuditFilters) => downloadAsUser(`/api/admin/audit/export${query({ ...filters })}`)

