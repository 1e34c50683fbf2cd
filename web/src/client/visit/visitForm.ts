/**
 * The visit form's state (what a draft stores), its validation, and how it
 * becomes the protocol's VisitIn. Pure: no Vue, no IndexedDB.
 */
import type {
  CampaignRecord,
  DemandCategory,
  DemandIn,
  DemandRecord,
  RecordStatus,
  VisitIn,
  VisitMode,
} from '../../shared/protocol'
import { isIsoDate } from '../forms/dates'
import { checkMax, type CheckRules, type Errors } from '../forms/validation'
import type { Fix } from '../location/geo'

export interface DemandDraft {
  id: string
  /** The campaign ask item it was raised under (needs, difficulties, ...). */
  ask_key: string
  category: DemandCategory | ''
  description: string
  resolved_on_site: boolean
  /** Server version it was edited from; 0 for a new demand. */
  base_version: number
}

export interface VisitDraft {
  id: string
  /** Review status when the record was reopened from the server; null for a new visit. */
  base_status: RecordStatus | null
  /** The reviewer's comment on a returned visit, shown above the form. */
  review_comment: string
  campaign_id: string
  /**
   * The campaign of a record reopened from the server (absent for a new visit): the server
   * checks a campaign's dates only when the visit is new or changes campaign.
   */
  base_campaign_id?: string
  talent_id: string | null
  /** Shown in the form and draft list (the roster may be unavailable when a draft is reopened). */
  talent_name: string
  target_unit_name: string
  visited_on: string
  mode: VisitMode | ''
  /** Names separated by 、，, or spaces, as typed. */
  visitors: string
  lead_official: string
  place: string
  location: Fix | null
  sends: string[]
  policies: string
  asks: Record<string, string>
  demands: DemandDraft[]
  /** Demands the server already has that were removed here: sent as withdrawn. */
  removed_demands: DemandDraft[]
  notes: string
  photos: string[]
  device_created_at: string
  /** Sent to the outbox at least once: its photos may be referenced by a queued change. */
  queued: boolean
}

export interface TalentChoice {
  id: string
  name: string
}

export function newVisitDraft(options: {
  id: string
  campaign?: CampaignRecord
  talent?: TalentChoice
  visitorName: string
  today: string
  now: number
}): VisitDraft {
  const draft: VisitDraft = {
    id: options.id,
    base_status: null,
    review_comment: '',
    campaign_id: '',
    talent_id: options.talent?.id ?? null,
    talent_name: options.talent?.name ?? '',
    target_unit_name: '',
    visited_on: options.today,
    mode: 'in_person',
    visitors: options.visitorName,
    lead_official: '',
    place: '',
    location: null,
    sends: [],
    policies: '',
    asks: {},
    demands: [],
    removed_demands: [],
    notes: '',
    photos: [],
    device_created_at: new Date(options.now).toISOString(),
    queued: false,
  }
  if (options.campaign) applyCampaign(draft, options.campaign)
  return draft
}

/** Switch the visit to `campaign`: keep what still fits its items. */
export function applyCampaign(draft: VisitDraft, campaign: CampaignRecord): void {
  draft.campaign_id = campaign.id
  const sendKeys = new Set(campaign.send_items.map((item) => item.key))
  draft.sends = draft.sends.filter((key) => sendKeys.has(key))
  for (const item of campaign.ask_items) draft.asks[item.key] ??= ''
}

/** Whether `campaign` runs on `date` (ISO dates compare as strings). */
export function runsOn(campaign: CampaignRecord, date: string): boolean {
  return campaign.starts_on <= date && date <= campaign.ends_on
}

/**
 * The campaigns a visit may choose: those running on its date, and a reopened record's own
 * campaign (which the server lets it keep). Never the others: a visit outside its campaign's
 * dates is refused by the server.
 */
export function campaignChoices(campaigns: readonly CampaignRecord[], draft: VisitDraft): CampaignRecord[] {
  return campaigns.filter((c) => runsOn(c, draft.visited_on) || c.id === draft.base_campaign_id)
}

/**
 * The campaign a new visit starts with: the one asked for, else a talent campaign, else any,
 * of those running today; none when none runs (the form says so).
 */
export function defaultCampaign(campaigns: readonly CampaignRecord[], today: string, wanted = ''): CampaignRecord | undefined {
  const running = campaigns.filter((c) => runsOn(c, today))
  return running.find((c) => c.id === wanted) ?? running.find((c) => c.target_kind === 'talent') ?? running[0]
}

/** What the form says when no campaign runs on the visit's date (and who can fix it). */
export function noCampaignNotice(date: string, today: string): string {
  if (date === today || !isIsoDate(date)) return '当前没有进行中的走访活动，请联系管理员设置。已填内容会保存为草稿。'
  return `${date} 没有进行中的走访活动。请核对走访日期，或联系管理员设置。`
}

/** "张三、李四 王五" → ["张三", "李四", "王五"]. */
export function splitNames(text: string): string[] {
  return text
    .split(/[、，,;；\s]+/)
    .map((name) => name.trim())
    .filter((name) => name !== '')
}

export function newDemand(id: string, askKey: string): DemandDraft {
  return { id, ask_key: askKey, category: '', description: '', resolved_on_site: false, base_version: 0 }
}

export function removeDemand(draft: VisitDraft, id: string): void {
  const index = draft.demands.findIndex((d) => d.id === id)
  if (index < 0) return
  const [removed] = draft.demands.splice(index, 1)
  if (removed && removed.base_version > 0) draft.removed_demands.push(removed)
}

/** Field errors (zh-CN). Empty when the visit can be sent. */
export function validateVisit(draft: VisitDraft, campaign: CampaignRecord | undefined, rules: CheckRules): Errors {
  const errors: Errors = {}
  if (!campaign) errors['campaign'] = '请选择走访活动'
  else if (campaign.id !== draft.base_campaign_id && isIsoDate(draft.visited_on) && !runsOn(campaign, draft.visited_on)) {
    errors['campaign'] = `走访日期不在该活动时间内（${campaign.starts_on} 至 ${campaign.ends_on}），请改选活动或核对日期`
  }
  if (campaign?.target_kind === 'unit') {
    if (!draft.target_unit_name.trim()) errors['target'] = '请填写走访单位'
    else checkMax(errors, 'target', draft.target_unit_name.trim(), 200, '单位名称')
  } else if (!draft.talent_id) {
    errors['target'] = '请选择走访对象'
  }
  if (!draft.visited_on) errors['visited_on'] = '请选择走访日期'
  else if (!isIsoDate(draft.visited_on)) errors['visited_on'] = '日期格式不正确'
  else if (draft.visited_on > rules.today) errors['visited_on'] = '走访日期不能晚于今天'
  if (!draft.mode) errors['mode'] = '请选择走访方式'

  const visitors = splitNames(draft.visitors)
  if (rules.submit && visitors.length === 0) errors['visitors'] = '请填写走访人'
  else if (visitors.length > 30) errors['visitors'] = '走访人不能超过 30 位'
  else if (visitors.some((name) => Array.from(name).length > 50)) errors['visitors'] = '每位走访人姓名不能超过 50 字'
  checkMax(errors, 'lead_official', draft.lead_official.trim(), 50, '带队领导')
  checkMax(errors, 'place', draft.place.trim(), 200, '地点')
  checkMax(errors, 'policies', draft.policies, 5000, '政策内容')
  for (const [key, text] of Object.entries(draft.asks)) checkMax(errors, `ask.${key}`, text, 5000, '内容')
  checkMax(errors, 'notes', draft.notes, 10000, '备注')

  for (const demand of draft.demands) {
    if (!demand.category) errors[`demand.${demand.id}.category`] = '请选择诉求分类'
    if (!demand.description.trim()) errors[`demand.${demand.id}.description`] = '请填写诉求内容'
    else checkMax(errors, `demand.${demand.id}.description`, demand.description.trim(), 2000, '诉求内容')
  }
  if (draft.demands.length + draft.removed_demands.length > 50) errors['demands'] = '一次走访最多记录 50 条诉求'

  if (draft.photos.length > 30) errors['photos'] = '最多 30 张照片'
  if (rules.submit && campaign?.photo_required && draft.photos.length === 0) {
    errors['photos'] = '本次活动要求至少拍摄一张照片'
  }
  if (rules.submit && campaign?.location_required && !draft.location) {
    errors['location'] = '本次活动要求记录定位，请点击“获取定位”'
  }
  return errors
}

/** Display order of the fields, to scroll to the first error. */
export function visitFieldOrder(draft: VisitDraft): string[] {
  return [
    'campaign',
    'target',
    'visited_on',
    'mode',
    'visitors',
    'lead_official',
    'place',
    'location',
    'policies',
    ...Object.keys(draft.asks).map((key) => `ask.${key}`),
    ...draft.demands.flatMap((d) => [`demand.${d.id}.category`, `demand.${d.id}.description`]),
    'demands',
    'notes',
    'photos',
  ]
}

function demandIn(demand: DemandDraft, deleted: boolean): DemandIn {
  const out: DemandIn = {
    id: demand.id,
    ask_key: demand.ask_key,
    category: demand.category as DemandCategory,
    description: demand.description.trim(),
    resolved_on_site: demand.resolved_on_site,
    base_version: demand.base_version,
  }
  if (deleted) out.deleted = true
  return out
}

/** The protocol's VisitIn for a visit that passed validateVisit. */
export function toVisitIn(draft: VisitDraft, campaign: CampaignRecord): VisitIn {
  const unit = campaign.target_kind === 'unit'
  const sendKeys = new Set(campaign.send_items.map((item) => item.key))
  const asks: Record<string, string> = {}
  for (const item of campaign.ask_items) {
    const text = (draft.asks[item.key] ?? '').trim()
    if (text) asks[item.key] = text
  }
  return {
    id: draft.id,
    campaign_id: campaign.id,
    talent_id: unit ? null : draft.talent_id,
    target_unit_name: unit ? draft.target_unit_name.trim() : '',
    visited_on: draft.visited_on,
    mode: draft.mode as VisitMode,
    visitors: splitNames(draft.visitors),
    lead_official: draft.lead_official.trim(),
    place: draft.place.trim(),
    latitude: draft.location?.latitude ?? null,
    longitude: draft.location?.longitude ?? null,
    accuracy: draft.location?.accuracy ?? null,
    located_at: draft.location?.located_at ?? null,
    sends: draft.sends.filter((key) => sendKeys.has(key)),
    policies: draft.policies.trim(),
    asks,
    notes: draft.notes.trim(),
    photos: [...new Set(draft.photos)],
    device_created_at: draft.device_created_at,
    demands: [...draft.demands.map((d) => demandIn(d, false)), ...draft.removed_demands.map((d) => demandIn(d, true))],
  }
}

/** Reopen a recorded visit (e.g. one returned for changes) as a form. */
export function visitDraftFromRecord(record: {
  data: VisitIn
  status: RecordStatus
  review_comment: string
  demand_records?: readonly DemandRecord[]
  talent_name?: string
}): VisitDraft {
  const v = record.data
  const versions = new Map((record.demand_records ?? []).map((d) => [d.id, d.version]))
  const location: Fix | null =
    v.latitude != null && v.longitude != null
      ? { latitude: v.latitude, longitude: v.longitude, accuracy: v.accuracy ?? 0, located_at: v.located_at ?? '' }
      : null
  return {
    id: v.id,
    base_status: record.status,
    review_comment: record.review_comment,
    campaign_id: v.campaign_id,
    base_campaign_id: v.campaign_id,
    talent_id: v.talent_id ?? null,
    talent_name: record.talent_name ?? '',
    target_unit_name: v.target_unit_name ?? '',
    visited_on: v.visited_on,
    mode: v.mode,
    visitors: (v.visitors ?? []).join('、'),
    lead_official: v.lead_official ?? '',
    place: v.place ?? '',
    location,
    sends: [...(v.sends ?? [])],
    policies: v.policies ?? '',
    asks: { ...(v.asks ?? {}) },
    demands: (v.demands ?? [])
      .filter((d) => !d.deleted)
      .map((d) => ({
        id: d.id,
        ask_key: d.ask_key ?? 'needs',
        category: d.category,
        description: d.description,
        resolved_on_site: d.resolved_on_site ?? false,
        base_version: d.base_version || versions.get(d.id) || 0,
      })),
    removed_demands: [],
    notes: v.notes ?? '',
    photos: [...(v.photos ?? [])],
    device_created_at: v.device_created_at ?? new Date().toISOString(),
    queued: true,
  }
}

export function visitSummary(draft: VisitDraft, campaignName: string): { title: string; subtitle: string } {
  const target = draft.talent_name || draft.target_unit_name.trim() || '未选择对象'
  return {
    title: `人才走访 · ${target}`,
    subtitle: [draft.visited_on, campaignName].filter(Boolean).join(' · '),
  }
}
