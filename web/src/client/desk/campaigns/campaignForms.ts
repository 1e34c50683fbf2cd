/**
 * 活动配置 (admins): a campaign's 送 and 问 items (key, label, order), its dates, owning unit
 * and flags. An item taken out is retired by the server, never deleted.
 */
import { requestAsUser } from '../../auth/request'
import type { FieldErrors } from '../adminForm'

export interface CampaignItem {
  key: string
  label: string
  retired?: boolean
}

export interface CampaignForm {
  name: string
  org_unit_id: string
  starts_on: string
  ends_on: string
  send_items: CampaignItem[]
  ask_items: CampaignItem[]
  target_kind: 'talent' | 'unit'
  photo_required: boolean
  location_required: boolean
  album_allowed: boolean
  watermark: boolean
  version: number
}

export interface Campaign extends CampaignForm {
  id: string
  code: string
  active: boolean
}

/** The speech's own variant, one click away. */
export const ASK_VARIANT: readonly CampaignItem[] = [
  { key: 'greet', label: '问候' },
  { key: 'feelings', label: '问情' },
  { key: 'needs', label: '问需' },
  { key: 'advice', label: '问策' },
]

export function emptyCampaign(): CampaignForm {
  return {
    name: '',
    org_unit_id: '',
    starts_on: '',
    ends_on: '',
    send_items: [],
    ask_items: [],
    target_kind: 'talent',
    photo_required: false,
    location_required: false,
    album_allowed: true,
    watermark: false,
    version: 0,
  }
}

/** The form of a stored campaign: the live items only (retired ones stay retired). */
export function formOf(campaign: Campaign): CampaignForm {
  const live = (items: CampaignItem[]) => items.filter((i) => !i.retired).map(({ key, label }) => ({ key, label }))
  const { id: _id, code: _code, active: _active, ...form } = campaign
  return { ...form, send_items: live(campaign.send_items), ask_items: live(campaign.ask_items) }
}

/** Move an item up (-1) or down (+1); the list order is the form's order. */
export function moveItem(items: CampaignItem[], index: number, step: -1 | 1): CampaignItem[] {
  const to = index + step
  if (to < 0 || to >= items.length) return items
  const out = [...items]
  ;[out[index], out[to]] = [out[to]!, out[index]!]
  return out
}

function itemError(items: CampaignItem[]): string | null {
  if (items.length === 0) return '至少需要一项'
  if (items.some((i) => !/^[a-z][a-z0-9_]{0,29}$/.test(i.key))) {
    return '代码须以小写字母开头，只含小写字母、数字和下划线（最多 30 位）'
  }
  if (new Set(items.map((i) => i.key)).size !== items.length) return '代码不能重复'
  if (items.some((i) => i.label.trim().length < 1 || i.label.trim().length > 20)) return '每项名称须为 1 到 20 个字'
  return null
}

export function checkCampaign(form: CampaignForm): FieldErrors {
  const errors: FieldErrors = {}
  if (!form.name.trim() || form.name.trim().length > 100) errors['name'] = '请填写活动名称（最多 100 个字）'
  if (!form.org_unit_id) errors['org_unit_id'] = '请选择负责单位'
  if (!form.starts_on) errors['starts_on'] = '请选择开始日期'
  if (!form.ends_on) errors['ends_on'] = '请选择结束日期'
  else if (form.starts_on && form.ends_on < form.starts_on) errors['ends_on'] = '结束日期不能早于开始日期'
  const send = itemError(form.send_items)
  if (send) errors['send_items'] = send
  const ask = itemError(form.ask_items)
  if (ask) errors['ask_items'] = ask
  return errors
}

export async function listCampaigns(): Promise<Campaign[]> {
  return (await requestAsUser('GET', '/api/admin/campaigns')) as Campaign[]
}

export async function saveCampaign(id: string | null, form: CampaignForm): Promise<Campaign> {
  const path = id ? `/api/admin/campaigns/${id}` : '/api/admin/campaigns'
  return (await requestAsUser(id ? 'PUT' : 'POST', path, form)) as Campaign
}

export async function deactivateCampaign(id: string, version: number): Promise<Campaign> {
  return (await requestAsUser('POST', `/api/admin/campaigns/${id}/deactivate`, { version })) as Campaign
}
