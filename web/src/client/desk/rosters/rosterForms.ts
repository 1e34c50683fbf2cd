/**
 * 人才与服务中心维护 (admins): the forms' values, their checks (the server checks again,
 * with the same messages) and the requests. Lists and search use the shared roster endpoints.
 */
import { requestAsUser } from '../../auth/request'
import { type FieldErrors, tooLong } from '../adminForm'

export const TALENT_CATEGORIES: readonly { value: string; label: string }[] = [
  { value: 'party_gov', label: '党政人才' },
  { value: 'enterprise_mgmt', label: '企业经营管理人才' },
  { value: 'professional_tech', label: '专业技术人才' },
  { value: 'high_skill', label: '高技能人才' },
  { value: 'rural_practical', label: '农村实用人才' },
  { value: 'social_work', label: '社会工作人才' },
]

export interface TalentForm {
  name: string
  employer: string
  org_unit_id: string
  category: string
  level: string
  field: string
  title: string
  /** Typed anew to change it; empty keeps the stored number on an edit. */
  phone: string
  contact_leader: string
  liaison_staff: string
  roster_year: number
  version: number
}

export interface CentreForm {
  name: string
  org_unit_id: string
  address: string
  /** Typed as text so a half-typed number is not lost; "" is no location. */
  latitude: string
  longitude: string
  version: number
}

export interface Written {
  id: string
  version: number
  active: boolean
}

export function emptyTalent(year: number): TalentForm {
  return {
    name: '',
    employer: '',
    org_unit_id: '',
    category: '',
    level: '',
    field: '',
    title: '',
    phone: '',
    contact_leader: '',
    liaison_staff: '',
    roster_year: year,
    version: 0,
  }
}

export function emptyCentre(): CentreForm {
  return { name: '', org_unit_id: '', address: '', latitude: '', longitude: '', version: 0 }
}

export function checkTalent(form: TalentForm): FieldErrors {
  const errors: FieldErrors = {}
  if (!form.name.trim()) errors['name'] = '请填写名称'
  else if (tooLong(form.name, 50)) errors['name'] = '不能超过 50 个字'
  if (tooLong(form.employer, 200)) errors['employer'] = '不能超过 200 个字'
  if (!form.org_unit_id) errors['org_unit_id'] = '请选择所属镇街'
  if (!TALENT_CATEGORIES.some((c) => c.value === form.category)) errors['category'] = '请选择人才类别'
  if (form.phone.trim() && !/^[0-9+-]{7,20}$/.test(form.phone.trim())) {
    errors['phone'] = '请填写正确的电话号码（7 到 20 位数字）'
  }
  if (!Number.isInteger(form.roster_year) || form.roster_year < 1949 || form.roster_year > 2100) {
    errors['roster_year'] = '请填写正确的名单年度'
  }
  return errors
}

function coordinate(text: string): number | null {
  return text.trim() === '' ? null : Number(text.trim())
}

export function checkCentre(form: CentreForm): FieldErrors {
  const errors: FieldErrors = {}
  if (!form.name.trim()) errors['name'] = '请填写名称'
  else if (tooLong(form.name, 50)) errors['name'] = '不能超过 50 个字'
  if (!form.org_unit_id) errors['org_unit_id'] = '请选择所属村（社区）'
  const lat = coordinate(form.latitude)
  const lon = coordinate(form.longitude)
  if ((lat === null) !== (lon === null)) errors[lat === null ? 'latitude' : 'longitude'] = '经纬度需同时填写'
  if (lat !== null && !(lat >= -90 && lat <= 90)) errors['latitude'] = '纬度应在 -90 到 90 之间'
  if (lon !== null && !(lon >= -180 && lon <= 180)) errors['longitude'] = '经度应在 -180 到 180 之间'
  return errors
}

/** The request body: an empty phone on an edit keeps the stored number. */
export function talentBody(form: TalentForm): Record<string, unknown> {
  const phone = form.phone.trim()
  return { ...form, phone: phone === '' && form.version > 0 ? null : phone }
}

export function centreBody(form: CentreForm): Record<string, unknown> {
  return { ...form, latitude: coordinate(form.latitude), longitude: coordinate(form.longitude) }
}

export type RosterKind = 'talents' | 'service-centers'

export async function saveRoster(kind: RosterKind, id: string | null, body: Record<string, unknown>): Promise<Written> {
  const path = id ? `/api/admin/${kind}/${id}` : `/api/admin/${kind}`
  return (await requestAsUser(id ? 'PUT' : 'POST', path, body)) as Written
}

export async function deactivateRoster(kind: RosterKind, id: string, version: number): Promise<Written> {
  return (await requestAsUser('POST', `/api/admin/${kind}/${id}/deactivate`, { version })) as Written
}

export async function rosterDetail(kind: RosterKind, id: string): Promise<Record<string, unknown>> {
  return (await requestAsUser('GET', `/api/admin/${kind}/${id}`)) as Record<string, unknown>
}

export interface RosterPage {
  total: number
  items: Record<string, unknown>[]
}

export async function searchRoster(kind: RosterKind, q: string, offset: number): Promise<RosterPage> {
  const query = new URLSearchParams({ q, limit: '50', offset: String(offset) })
  return (await requestAsUser('GET', `/api/${kind}?${query.toString()}`)) as RosterPage
}
