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
