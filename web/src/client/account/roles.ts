import { lookup } from '../../shared/lookup'
import type { Role } from '../api'

export const ROLE_LABELS: Readonly<Record<Role, string>> = {
  field_staff: '走访人',
  supervisor: '审核人',
  handler: '承办人',
  admin: '管理员',
}

export function roleLabel(role: string): string {
  return lookup(ROLE_LABELS, role) ?? role
}

/** Roles that record visits and inspections (the server's WRITER_ROLES, server/sync/apply.py). */
const RECORDING_ROLES: readonly string[] = ['field_staff', 'supervisor', 'admin']

/** Whether this role records visits and inspections: a handler's would be refused on sync. */
export function canRecord(role: string | undefined): boolean {
  return role !== undefined && RECORDING_ROLES.includes(role)
}

/**
 * Whether this role reviews the records of its area (审核) and settles their conflicts
 * (冲突处理): supervisors and admins, the server's SUBTREE_ROLES (server/accounts/scope.py).
 */
export function isReviewer(role: string | undefined): boolean {
  return role === 'supervisor' || role === 'admin'
}
