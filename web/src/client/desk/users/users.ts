/** Screen logic of 用户管理: filters to a query, the edit form's changes, device state. */
import type { Role } from '../../api'
import type { AdminUser, Device, UserFilters } from '../api'

export const PAGE_SIZE = 50

export interface FilterForm {
  q: string
  unitId: string
  role: Role | ''
  /** '' any, 'true' active only, 'false' deactivated only. */
  active: '' | 'true' | 'false'
  page: number
}

export function toFilters(form: FilterForm): UserFilters {
  return {
    q: form.q.trim() || undefined,
    unit_id: form.unitId || null,
    role: form.role || null,
    active: form.active === '' ? null : form.active === 'true',
    limit: PAGE_SIZE,
    offset: form.page * PAGE_SIZE,
  }
}

export interface EditForm {
  display_name: string
  phone: string
  role: Role
  org_unit_id: string
}

/** Only what changed goes to the server (a PATCH), so an unchanged unit is no scope change. */
export function changes(user: AdminUser, form: EditForm): Partial<EditForm> {
  const out: Partial<EditForm> = {}
  if (form.display_name.trim() !== user.display_name) out.display_name = form.display_name.trim()
  if (form.phone.trim() !== user.phone) out.phone = form.phone.trim()
  if (form.role !== user.role) out.role = form.role
  if (form.org_unit_id !== user.org_unit_id) out.org_unit_id = form.org_unit_id
  return out
}

export function deviceState(device: Device, now: Date = new Date()): '已退出' | '已过期' | '在用' {
  if (device.revoked_at !== null) return '已退出'
  if (new Date(device.expires_at) <= now) return '已过期'
  return '在用'
}

/** "2026-12-02 08:30" in county time, or "—". */
export function when(iso: string | null): string {
  if (!iso) return '—'
  const parts = new Intl.DateTimeFormat('zh-CN', {
    timeZone: 'Asia/Shanghai',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
  }).formatToParts(new Date(iso))
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? ''
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}`
}
