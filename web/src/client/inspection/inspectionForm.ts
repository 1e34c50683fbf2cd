/**
 * The inspection form's state, scoring, validation and its protocol shape
 * (InspectionIn). Pure: no Vue, no IndexedDB.
 */
import {
  ITEM_RESULT_VALUES,
  type ChecklistItemRecord,
  type ChecklistTemplateRecord,
  type InspectionIn,
  type ItemResultIn,
  type ItemResultRecord,
  type ItemResultValue,
  type RecordStatus,
  type RectificationIn,
  type RectificationRecord,
} from '../../shared/protocol'
import { addDays, isIsoDate } from '../forms/dates'
import { checkMax, type CheckRules, type Errors } from '../forms/validation'
import type { Fix } from '../location/geo'

const RESULT_LABELS: Readonly<Record<ItemResultValue, string>> = {
  met: '达标',
  partly_met: '部分达标',
  not_met: '不达标',
  not_applicable: '不适用',
}

const RESULT_TONES: Readonly<Record<ItemResultValue, 'good' | 'warn' | 'bad' | 'none'>> = {
  met: 'good',
  partly_met: 'warn',
  not_met: 'bad',
  not_applicable: 'none',
}

export const RESULT_OPTIONS: readonly { value: ItemResultValue; label: string; tone: 'good' | 'warn' | 'bad' | 'none' }[] =
  ITEM_RESULT_VALUES.map((value) => ({ value, label: RESULT_LABELS[value], tone: RESULT_TONES[value] }))

export function resultLabel(result: string): string {
  return (RESULT_LABELS as Record<string, string>)[result] ?? result
}

const METHOD_LABELS: Readonly<Record<string, string>> = {
  site_check: '实地察看',
  document_review: '查阅资料',
  interview: '走访询问',
  briefing: '听取汇报',
}

export function methodLabel(method: string): string {
  return Object.prototype.hasOwnProperty.call(METHOD_LABELS, method) ? METHOD_LABELS[method]! : method
}

/** Default days to fix a shortfall (a common county practice; the inspector may change it). */
export const DEFAULT_RECTIFICATION_DAYS = 30

export interface ItemDraft {
  /** Id of the item result row (made on the phone). */
  id: string
  item_id: string
  result: ItemResultValue | ''
  score: number | null
  note: string
  photos: string[]
  base_version: number
}

export interface RectificationDraft {
  id: string
  item_id: string
  issue: string
  responsible_unit_name: string
  deadline: string
  base_version: number
}

export interface InspectionDraft {
  id: string
  base_status: RecordStatus | null
  review_comment: string
  service_center_id: string
  /** Shown in the form and draft list. */
  center_name: string
  template_id: string
  inspected_on: string
  notes: string
  location: Fix | null
  photos: string[]
  /** By checklist item id. */
  items: Record<string, ItemDraft>
  rectifications: RectificationDraft[]
  /** Rows the server has that were removed here: sent as withdrawn. */
  removed_rectifications: RectificationDraft[]
  device_created_at: string
  queued: boolean
}

export function newInspectionDraft(options: {
  id: string
  template?: ChecklistTemplateRecord
  center?: { id: string; name: string }
  today: string
  now: number
}): InspectionDraft {
  return {
    id: options.id,
    base_status: null,
    review_comment: '',
    service_center_id: options.center?.id ?? '',
    center_name: options.center?.name ?? '',
    template_id: options.template?.id ?? '',
    inspected_on: options.today,
    notes: '',
    location: null,
    photos: [],
    items: {},
    rectifications: [],
    removed_rectifications: [],
    device_created_at: new Date(options.now).toISOString(),
    queued: false,
  }
}

/**
 * An (empty) entry for every item of the template, so choosing a result edits
 * an existing object: only that item re-renders, not the whole form.
 */
export function ensureItemDrafts(draft: InspectionDraft, template: ChecklistTemplateRecord, newId: () => string): void {
  for (const item of template.items) {
    draft.items[item.id] ??= { id: newId(), item_id: item.id, result: '', score: null, note: '', photos: [], base_version: 0 }
  }
}

export interface DimensionGroup {
  dimension: string
  items: ChecklistItemRecord[]
}

/** Items in template order, grouped by dimension in the order dimensions first appear. */
export function groupByDimension(items: readonly ChecklistItemRecord[]): DimensionGroup[] {
  const groups = new Map<string, ChecklistItemRecord[]>()
  for (const item of [...items].sort((a, b) => a.position - b.position)) {
    const list = groups.get(item.dimension)
    if (list) list.push(item)
    else groups.set(item.dimension, [item])
  }
  return [...groups].map(([dimension, list]) => ({ dimension, items: list }))
}

export function isShortfall(result: string): boolean {
  return result === 'partly_met' || result === 'not_met'
}

/** The score a result starts with: full marks for 达标, half for 部分达标, none otherwise. */
export function defaultScore(result: ItemResultValue, maxScore: number): number {
  if (result === 'met') return maxScore
  if (result === 'partly_met') return Math.round(maxScore * 5) / 10
  return 0
}

/** Set an item's result, resetting its score to that result's default. */
export function setResult(draft: InspectionDraft, item: ChecklistItemRecord, result: ItemResultValue, newId: () => string): void {
  const current = draft.items[item.id]
  const score = defaultScore(result, item.max_score)
  if (current) {
    current.result = result
    current.score = score
  } else {
    draft.items[item.id] = { id: newId(), item_id: item.id, result, score, note: '', photos: [], base_version: 0 }
  }
}

export interface Totals {
  score: number
  /** Sum of max scores of items that apply (不适用 left out). */
  max: number
  answered: number
  count: number
  shortfalls: number
}

export function totals(items: readonly ChecklistItemRecord[], drafts: Readonly<Record<string, ItemDraft>>): Totals {
  let score = 0
  let max = 0
  let answered = 0
  let shortfalls = 0
  for (const item of items) {
    const d = drafts[item.id]
    if (d?.result === 'not_applicable') {
      answered++
      continue
    }
    max += item.max_score
    if (!d || !d.result) continue
    answered++
    if (isShortfall(d.result)) shortfalls++
    score += Math.min(item.max_score, Math.max(0, d.score ?? 0))
  }
  // Halves add exactly in binary; round anyway so 0.1-step scores print cleanly.
  return { score: Math.round(score * 100) / 100, max: Math.round(max * 100) / 100, answered, count: items.length, shortfalls }
}

export function newRectification(id: string, item: ChecklistItemRecord, itemDraft: ItemDraft | undefined, today: string): RectificationDraft {
  const note = itemDraft?.note.trim() ?? ''
  return {
    id,
    item_id: item.id,
    issue: note ? `${item.title}：${note}` : `${item.title}：${resultLabel(itemDraft?.result ?? 'not_met')}`,
    responsible_unit_name: '',
    deadline: addDays(today, DEFAULT_RECTIFICATION_DAYS),
    base_version: 0,
  }
}

export function removeRectification(draft: InspectionDraft, id: string): void {
  const index = draft.rectifications.findIndex((r) => r.id === id)
  if (index < 0) return
  const [removed] = draft.rectifications.splice(index, 1)
  if (removed && removed.base_version > 0) draft.removed_rectifications.push(removed)
}

/** Rectifications that still belong to a shortfall (an item changed to 达标 drops out of the record). */
export function activeRectifications(draft: InspectionDraft): RectificationDraft[] {
  return draft.rectifications.filter((r) => isShortfall(draft.items[r.item_id]?.result ?? ''))
}

export function validateInspection(
  draft: InspectionDraft,
  template: ChecklistTemplateRecord | undefined,
  rules: CheckRules,
): Errors {
  const errors: Errors = {}
  if (!draft.service_center_id) errors['center'] = '请选择党群服务中心'
  if (!template) errors['template'] = '没有可用的检查模板，请联网同步后重试'
  if (!draft.inspected_on) errors['inspected_on'] = '请选择检查日期'
  else if (!isIsoDate(draft.inspected_on)) errors['inspected_on'] = '日期格式不正确'
  else if (draft.inspected_on > rules.today) errors['inspected_on'] = '检查日期不能晚于今天'
  checkMax(errors, 'notes', draft.notes, 10000, '备注')
  if (draft.photos.length > 30) errors['photos'] = '最多 30 张照片'

  for (const item of template?.items ?? []) {
    const d = draft.items[item.id]
    if (!d || !d.result) {
      if (rules.submit) errors[`item.${item.id}.result`] = '请选择检查结果'
      continue
    }
    const score = d.score
    if (d.result !== 'not_applicable') {
      if (score === null || !Number.isFinite(score)) errors[`item.${item.id}.score`] = '请填写得分'
      else if (score < 0 || score > item.max_score) errors[`item.${item.id}.score`] = `得分应在 0 到 ${item.max_score} 之间`
    }
    checkMax(errors, `item.${item.id}.note`, d.note, 2000, '说明')
    if (d.photos.length > 30) errors[`item.${item.id}.photos`] = '最多 30 张照片'
  }
  for (const r of activeRectifications(draft)) {
    if (!r.issue.trim()) errors[`rect.${r.id}.issue`] = '请填写整改问题'
    else checkMax(errors, `rect.${r.id}.issue`, r.issue.trim(), 2000, '整改问题')
    if (rules.submit && !r.responsible_unit_name.trim()) errors[`rect.${r.id}.unit`] = '请填写责任单位'
    else checkMax(errors, `rect.${r.id}.unit`, r.responsible_unit_name.trim(), 100, '责任单位')
    if (!isIsoDate(r.deadline)) errors[`rect.${r.id}.deadline`] = '请选择整改时限'
    else if (r.deadline < draft.inspected_on) errors[`rect.${r.id}.deadline`] = '整改时限不能早于检查日期'
  }
  return errors
}

export function inspectionFieldOrder(template: ChecklistTemplateRecord | undefined, draft: InspectionDraft): string[] {
  const order = ['center', 'template', 'inspected_on', 'location']
  for (const group of groupByDimension(template?.items ?? [])) {
    for (const item of group.items) {
      order.push(`item.${item.id}.result`, `item.${item.id}.score`, `item.${item.id}.note`, `item.${item.id}.photos`)
      for (const r of draft.rectifications.filter((x) => x.item_id === item.id)) {
        order.push(`rect.${r.id}.issue`, `rect.${r.id}.unit`, `rect.${r.id}.deadline`)
      }
    }
  }
  order.push('notes', 'photos')
  return order
}

/** The protocol's InspectionIn for an inspection that passed validateInspection. */
export function toInspectionIn(draft: InspectionDraft, template: ChecklistTemplateRecord): InspectionIn {
  const itemResults: ItemResultIn[] = []
  for (const item of template.items) {
    const d = draft.items[item.id]
    if (!d || !d.result) continue
    itemResults.push({
      id: d.id,
      item_id: item.id,
      result: d.result,
      score: d.result === 'not_applicable' ? 0 : Math.min(item.max_score, Math.max(0, d.score ?? 0)),
      note: d.note.trim(),
      photos: [...new Set(d.photos)],
      base_version: d.base_version,
    })
  }
  const active = activeRectifications(draft)
  const activeIds = new Set(active.map((r) => r.id))
  // A rectification whose item is no longer a shortfall: withdraw it if the server has it.
  const dropped = draft.rectifications.filter((r) => !activeIds.has(r.id) && r.base_version > 0)
  const rect = (r: RectificationDraft, deleted: boolean): RectificationIn => {
    const out: RectificationIn = {
      id: r.id,
      item_id: r.item_id,
      issue: r.issue.trim(),
      responsible_unit_name: r.responsible_unit_name.trim(),
      deadline: r.deadline,
      base_version: r.base_version,
    }
    if (deleted) out.deleted = true
    return out
  }
  return {
    id: draft.id,
    service_center_id: draft.service_center_id,
    template_id: template.id,
    inspected_on: draft.inspected_on,
    notes: draft.notes.trim(),
    latitude: draft.location?.latitude ?? null,
    longitude: draft.location?.longitude ?? null,
    accuracy: draft.location?.accuracy ?? null,
    located_at: draft.location?.located_at ?? null,
    photos: [...new Set(draft.photos)],
    device_created_at: draft.device_created_at,
    item_results: itemResults,
    rectifications: [
      ...active.map((r) => rect(r, false)),
      ...[...dropped, ...draft.removed_rectifications].map((r) => rect(r, true)),
    ],
  }
}

/** Reopen a recorded inspection as a form. */
export function inspectionDraftFromRecord(record: {
  data: InspectionIn
  status: RecordStatus
  review_comment: string
  item_result_records?: readonly ItemResultRecord[]
  rectification_records?: readonly RectificationRecord[]
  center_name?: string
}): InspectionDraft {
  const v = record.data
  const itemVersions = new Map((record.item_result_records ?? []).map((r) => [r.id, r.version]))
  const rectVersions = new Map((record.rectification_records ?? []).map((r) => [r.id, r.version]))
  const items: Record<string, ItemDraft> = {}
  for (const r of v.item_results ?? []) {
    if (r.deleted) continue
    items[r.item_id] = {
      id: r.id,
      item_id: r.item_id,
      result: r.result,
      score: r.score ?? 0,
      note: r.note ?? '',
      photos: [...(r.photos ?? [])],
      base_version: r.base_version || itemVersions.get(r.id) || 0,
    }
  }
  return {
    id: v.id,
    base_status: record.status,
    review_comment: record.review_comment,
    service_center_id: v.service_center_id,
    center_name: record.center_name ?? '',
    template_id: v.template_id,
    inspected_on: v.inspected_on,
    notes: v.notes ?? '',
    location:
      v.latitude != null && v.longitude != null
        ? { latitude: v.latitude, longitude: v.longitude, accuracy: v.accuracy ?? 0, located_at: v.located_at ?? '' }
        : null,
    photos: [...(v.photos ?? [])],
    items,
    rectifications: (v.rectifications ?? [])
      .filter((r) => !r.deleted)
      .map((r) => ({
        id: r.id,
        item_id: r.item_id ?? '',
        issue: r.issue,
        responsible_unit_name: r.responsible_unit_name ?? '',
        deadline: r.deadline,
        base_version: r.base_version || rectVersions.get(r.id) || 0,
      })),
    removed_rectifications: [],
    device_created_at: v.device_created_at ?? new Date().toISOString(),
    queued: true,
  }
}

export function inspectionSummary(draft: InspectionDraft): { title: string; subtitle: string } {
  return { title: `阵地检查 · ${draft.center_name || '未选择阵地'}`, subtitle: draft.inspected_on }
}

/** Every photo the inspection holds (record and items). */
export function allPhotos(draft: InspectionDraft): string[] {
  return [...draft.photos, ...Object.values(draft.items).flatMap((d) => d.photos)]
}
