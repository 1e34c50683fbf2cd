/**
 * 诉求: following the demands raised on visits until they are closed out (server/demands/).
 *
 * 受理 → 交办 (a reviewer assigns it to a handler unit with a due date) → 办理 → 答复 (the handler
 * unit) → 回访 (the reviewer or the visitor notes the talent's satisfaction) → 办结销号; 督办 for
 * those running late. The server says which steps the signed-in user may take on each demand,
 * and refuses one taken on a version someone else has moved on from. Online only: demands cross
 * units (a handler's phone holds no visits), and every step is the server's to record.
 */
import { lookup } from '../../shared/lookup'
import { SATISFACTIONS, type Satisfaction } from '../../shared/protocol'
import { type Role } from '../api'
import { ApiError, messageFor } from '../http'
import { requestAsUser } from '../auth/request'
import { addDays } from '../forms/dates'

export type DemandView = 'to_assign' | 'in_hand' | 'replied' | 'revisited' | 'overdue' | 'finished' | 'open' | 'all'
export type DemandStep = 'assign' | 'progress' | 'reply' | 'revisit' | 'close_out' | 'escalate'

export interface DemandItem {
  id: string
  version: number
  status: string
  category: string
  ask_key: string
  description: string
  resolved_on_site: boolean
  handler_unit_id: string | null
  handler_unit_name: string | null
  due_date: string | null
  assigned_at: string | null
  closed_at: string | null
  satisfaction: Satisfaction | null
  overdue: boolean
  days_overdue: number
  escalations: number
  visit_id: string
  visited_on: string
  talent_name: string | null
  talent_employer: string | null
  target_unit_name: string
  visitor_name: string
  org_unit_name: string
  created_at: string
}

export interface DemandEvent {
  id: string
  kind: string
  actor_name: string
  note: string
  data: Record<string, string>
  created_at: string
}

export interface DemandDetail extends DemandItem {
  ask_text: string
  visitors: string[]
  events: DemandEvent[]
  /** The steps the signed-in user may take now, as the server decides. */
  actions: DemandStep[]
}

export interface HandlerUnit {
  id: string
  name: string
  kind: string
}

export interface StepInput {
  note?: string
  handler_unit_id?: string
  due_date?: string
  satisfaction?: Satisfaction
}

function invalid(what: string): ApiError {
  return new ApiError(200, 'response.invalid', `demands: unexpected ${what}`)
}

function asDemand<T extends DemandItem>(value: unknown): T {
  const d = value as Partial<DemandItem> | null
  if (!d || typeof d.id !== 'string' || typeof d.status !== 'string' || typeof d.version !== 'number') {
    throw invalid('demand')
  }
  return d as T
}

function asDetail(value: unknown): DemandDetail {
  const d = asDemand<DemandDetail>(value)
  if (!Array.isArray(d.events) || !Array.isArray(d.actions)) throw invalid('demand detail')
  // Steps this screen has no form for yet (签收, 退单, 延期 come with their own screens) are left out.
  return { ...d, actions: d.actions.filter((a) => lookup(STEP_LABELS, a) !== undefined) }
}

/** One page of a list: `limit` demands from `offset` on, and how many the list holds. */
export async function listDemands(
  view: DemandView,
  limit = 50,
  offset = 0,
): Promise<{ total: number; items: DemandItem[] }> {
  const body = (await requestAsUser('GET', `/api/demands?view=${view}&limit=${limit}&offset=${offset}`)) as {
    total?: unknown
    items?: unknown
  } | null
  if (!body || typeof body.total !== 'number' || !Array.isArray(body.items)) throw invalid('list')
  return { total: body.total, items: body.items.map((item) => asDemand(item)) }
}

export async function getDemand(id: string): Promise<DemandDetail> {
  return asDetail(await requestAsUser('GET', `/api/demands/${id}`))
}

/** Take one step, naming the version read; answers the demand as it now stands. */
export async function takeStep(demand: Pick<DemandItem, 'id' | 'version'>, action: DemandStep, input: StepInput): Promise<DemandDetail> {
  const body: Record<string, unknown> = { action, version: demand.version, note: (input.note ?? '').trim() }
  if (action === 'assign') {
    body['handler_unit_id'] = input.handler_unit_id
    body['due_date'] = input.due_date
  }
  if (action === 'revisit') body['satisfaction'] = input.satisfaction
  return asDetail(await requestAsUser('POST', `/api/demands/${demand.id}/actions`, body))
}

export async function listHandlerUnits(): Promise<HandlerUnit[]> {
  const body = await requestAsUser('GET', '/api/demands/handler-units')
  if (!Array.isArray(body)) throw invalid('handler units')
  return body as HandlerUnit[]
}

/** The lists each role follows: a reviewer the whole loop, a handler unit its own work, a visitor the callbacks. */
export function viewsFor(role: Role | undefined): { name: DemandView; title: string }[] {
  if (role === 'handler') {
    return [
      { name: 'in_hand', title: '待办理' },
      { name: 'overdue', title: '超期' },
      { name: 'replied', title: '已答复' },
      { name: 'finished', title: '已办结' },
    ]
  }
  if (role === 'field_staff') {
    return [
      { name: 'replied', title: '待回访' },
      { name: 'open', title: '办理中' },
      { name: 'finished', title: '已办结' },
    ]
  }
  return [
    { name: 'to_assign', title: '待交办' },
    { name: 'in_hand', title: '办理中' },
    { name: 'replied', title: '待回访' },
    { name: 'revisited', title: '待办结' },
    { name: 'overdue', title: '超期' },
    { name: 'finished', title: '已办结' },
  ]
}

/** The list whose count the home tile shows: what waits for this role's next step. */
export function todoView(role: Role | undefined): DemandView {
  return viewsFor(role)[0]!.name
}

export const STEP_LABELS: Readonly<Record<DemandStep, string>> = {
  assign: '交办',
  progress: '办理',
  reply: '答复',
  revisit: '回访',
  close_out: '办结销号',
  escalate: '督办',
}

const EVENT_LABELS: Readonly<Record<string, string>> = {
  ...STEP_LABELS,
  received: '受理',
  resolved_on_site: '当场解决',
  acknowledge: '签收',
  send_back: '退单',
  request_extension: '延期申请',
  approve_extension: '同意延期',
  refuse_extension: '不同意延期',
  redo: '重办',
  urge: '催办',
}

export function eventLabel(kind: string): string {
  return lookup(EVENT_LABELS, kind) ?? kind
}

const SATISFACTION_LABELS: Readonly<Record<Satisfaction, { label: string; tone: 'good' | 'warn' | 'bad' }>> = {
  satisfied: { label: '满意', tone: 'good' },
  basically_satisfied: { label: '基本满意', tone: 'warn' },
  unsatisfied: { label: '不满意', tone: 'bad' },
}

export const SATISFACTION: readonly { value: Satisfaction; label: string; tone: 'good' | 'warn' | 'bad' }[] = SATISFACTIONS.map(
  (value) => ({ value, ...SATISFACTION_LABELS[value] }),
)

export function satisfactionLabel(value: string | null | undefined): string {
  return SATISFACTION.find((s) => s.value === value)?.label ?? ''
}

/** Steps whose note is required (the server checks too), and what the note is called. */
export const NOTE_REQUIRED: ReadonlySet<DemandStep> = new Set<DemandStep>(['reply', 'escalate'])

export const NOTE_LABELS: Readonly<Record<DemandStep, string>> = {
  assign: '交办说明',
  progress: '办理进展',
  reply: '答复内容',
  revisit: '回访情况',
  close_out: '办结说明',
  escalate: '督办要求',
}

/**
 * The default due date: `workingDays` working days (Monday to Friday) after `today`, the seven
 * county offices commonly give. Public holidays are not known here: the date can be changed.
 */
export function dueDateAfter(today: string, workingDays = 7): string {
  let date = today
  let left = workingDays
  while (left > 0) {
    date = addDays(date, 1)
    const [y, m, d] = date.split('-').map(Number) as [number, number, number]
    const weekday = new Date(y, m - 1, d).getDay()
    if (weekday !== 0 && weekday !== 6) left -= 1
  }
  return date
}

/** What a step's input lacks before it can be sent (zh-CN), or '' when it is complete. */
export function missingInput(step: DemandStep, input: StepInput): string {
  if (step === 'assign' && !input.handler_unit_id) return '请选择承办单位'
  if (step === 'assign' && !input.due_date) return '请选择办理时限'
  if (step === 'revisit' && !input.satisfaction) return '请选择满意度'
  if (NOTE_REQUIRED.has(step) && !(input.note ?? '').trim()) return `请填写${NOTE_LABELS[step]}`
  return ''
}

const MESSAGES: Readonly<Record<string, string>> = {
  'demand.stale_version': '这条诉求刚被他人处理过。已为你刷新，请看过最新情况后再操作。',
  'demand.invalid_step': '这条诉求当前的状态不能进行这一步。已为你刷新。',
  'demand.note_required': '请填写说明后再提交。',
  'demand.satisfaction_required': '请选择满意度。',
  'demand.assignment_incomplete': '请选择承办单位和办理时限。',
  'demand.due_date_invalid': '办理时限需在今天之后一年以内。',
  'demand.handler_unit_invalid': '只能交办给本辖区的部门或镇街。',
  not_found: '找不到这条诉求，或它不在你的范围内。',
  'auth.forbidden': '当前账号不能进行这一步。',
  'auth.required': '登录已失效，请重新登录。',
  'network.offline': '需要联网才能查看和办理诉求。',
}

export function demandErrorMessage(error: unknown): string {
  return messageFor(error, MESSAGES)
}

/** Errors after which the demand shown is out of date: read it again. */
export function needsReload(error: unknown): boolean {
  return error instanceof ApiError && ['demand.stale_version', 'demand.invalid_step'].includes(error.code)
}
