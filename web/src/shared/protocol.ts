/**
 * The sync protocol's wire format, mirroring `sync/protocol.py` field for field
 * (snake_case, the names on the wire). Dates are ISO strings ("2024-05-01"),
 * times ISO 8601 with an offset, ids UUID strings.
 *
 * Outbound (server → device) messages may gain fields in a minor version, so the
 * decoders below check what the client relies on and keep the rest as sent.
 * They check the body, not the status: a captive portal answers 200 with HTML.
 */

import { PROTOCOL_MAJOR, PROTOCOL_VERSION } from './protocolVersion'

// The constants live in a module of their own, so code that needs only them (the
// sync loop in the start-up chunk) does not pull in the decoders below.
export { CLOCK_SKEW_WARNING_SECONDS, MAX_BATCH, MAX_PULL_LIMIT, PROTOCOL_MAJOR, PROTOCOL_VERSION } from './protocolVersion'

export type Uuid = string
/** "YYYY-MM-DD" */
export type IsoDate = string
/** ISO 8601 with an offset. */
export type IsoDateTime = string

// Lists of allowed values. Each is sync/protocol.py's Literal of the same name (the Python test
// tests/unit/test_protocol_values.py reads these arrays and compares); the types derive from them.
export const VISIT_MODES = ['in_person', 'symposium', 'phone', 'video'] as const
export type VisitMode = (typeof VISIT_MODES)[number]
export const DEMAND_CATEGORIES = [
  'policy_delivery',
  'housing',
  'school_enrolment',
  'medical',
  'household_registration',
  'spouse_employment',
  'project_application',
  'funding',
  'recruitment',
  'intellectual_property',
  'title_evaluation',
  'other',
] as const
export type DemandCategory = (typeof DEMAND_CATEGORIES)[number]
export const DEMAND_STATUSES = [
  'received',
  'resolved_on_site',
  'assigned',
  'in_progress',
  'replied',
  'revisited',
  'closed',
  'acknowledged',
  'sent_back',
] as const
export type DemandStatus = (typeof DEMAND_STATUSES)[number]
export const SATISFACTIONS = ['satisfied', 'basically_satisfied', 'unsatisfied'] as const
export type Satisfaction = (typeof SATISFACTIONS)[number]
export const ITEM_RESULT_VALUES = ['met', 'partly_met', 'not_met', 'not_applicable'] as const
export type ItemResultValue = (typeof ITEM_RESULT_VALUES)[number]
export const RECTIFICATION_STATUSES = [
  'pending',
  'in_progress',
  'reported',
  'accepted',
  'returned',
] as const
export type RectificationStatus = (typeof RECTIFICATION_STATUSES)[number]
/** Review statuses of a visit or inspection. */
export const RECORD_STATUSES = ['draft', 'submitted', 'approved', 'returned'] as const
export type RecordStatus = (typeof RECORD_STATUSES)[number]

// ---------------------------------------------------------------------------
// Record fields a device edits
// ---------------------------------------------------------------------------

export interface VisitFields {
  id: Uuid
  campaign_id: Uuid
  /** Null when the campaign targets a unit; then target_unit_name is required. */
  talent_id?: Uuid | null
  target_unit_name?: string
  visited_on: IsoDate
  mode: VisitMode
  visitors?: string[]
  lead_official?: string
  place?: string
  /** WGS-84, only when the visitor chose to record a position. */
  latitude?: number | null
  longitude?: number | null
  accuracy?: number | null
  located_at?: IsoDateTime | null
  /** Keys of the campaign's send items delivered. */
  sends?: string[]
  policies?: string
  /** Campaign ask key → what was said. */
  asks?: Record<string, string>
  notes?: string
  /** SHA-256 of the photos this record expects. */
  photos?: string[]
  /** The device's clock when the record was made: shown, never ordered by. */
  device_created_at?: IsoDateTime | null
}

export interface DemandFields {
  id: Uuid
  ask_key?: string
  category: DemandCategory
  description: string
  resolved_on_site?: boolean
}

export interface InspectionFields {
  id: Uuid
  service_center_id: Uuid
  template_id: Uuid
  inspected_on: IsoDate
  notes?: string
  latitude?: number | null
  longitude?: number | null
  accuracy?: number | null
  located_at?: IsoDateTime | null
  photos?: string[]
  device_created_at?: IsoDateTime | null
}

export interface ItemResultFields {
  id: Uuid
  item_id: Uuid
  result: ItemResultValue
  score?: number
  note?: string
  photos?: string[]
}

export interface RectificationFields {
  id: Uuid
  item_id?: Uuid | null
  issue: string
  responsible_unit_id?: Uuid | null
  responsible_unit_name?: string
  deadline: IsoDate
  status?: RectificationStatus
}

export interface DemandIn extends DemandFields {
  /** The demand's server version the device started from; 0 for a new demand. */
  base_version?: number
  /** Withdraw this row. A row left out of the list is left unchanged. */
  deleted?: boolean
}

export interface VisitIn extends VisitFields {
  demands?: DemandIn[]
}

export interface ItemResultIn extends ItemResultFields {
  base_version?: number
  deleted?: boolean
}

export interface RectificationIn extends RectificationFields {
  base_version?: number
  deleted?: boolean
}

export interface InspectionIn extends InspectionFields {
  item_results?: ItemResultIn[]
  rectifications?: RectificationIn[]
}

// ---------------------------------------------------------------------------
// Push
// ---------------------------------------------------------------------------

interface MutationBase {
  mutation_id: Uuid
  seq: number
}

export interface VisitPut extends MutationBase {
  op: 'visit.put'
  base_version: number
  visit: VisitIn
}
export interface VisitSubmit extends MutationBase {
  op: 'visit.submit'
  id: Uuid
  base_version: number
}
export interface VisitDelete extends MutationBase {
  op: 'visit.delete'
  id: Uuid
  base_version: number
}
export interface InspectionPut extends MutationBase {
  op: 'inspection.put'
  base_version: number
  inspection: InspectionIn
}
export interface InspectionSubmit extends MutationBase {
  op: 'inspection.submit'
  id: Uuid
  base_version: number
}
export interface InspectionDelete extends MutationBase {
  op: 'inspection.delete'
  id: Uuid
  base_version: number
}
export interface Skip extends MutationBase {
  op: 'skip'
  reason?: string
}

export type Mutation = VisitPut | VisitSubmit | VisitDelete | InspectionPut | InspectionSubmit | InspectionDelete | Skip
export type MutationOp = Mutation['op']
export const MUTATION_OPS: readonly MutationOp[] = [
  'visit.put',
  'visit.submit',
  'visit.delete',
  'inspection.put',
  'inspection.submit',
  'inspection.delete',
  'skip',
]

export interface PushRequest {
  protocol_version: string
  device_id: string
  device_time?: IsoDateTime | null
  mutations: Mutation[]
}

export interface FieldConflict {
  conflict_id: Uuid
  entity: string
  id: Uuid
  field: string
  base_value?: unknown
  server_value?: unknown
  client_value?: unknown
}

interface ResultBase {
  mutation_id: Uuid
  seq: number
}

export interface Applied extends ResultBase {
  status: 'applied'
  entity: string
  id: Uuid
  version: number
  versions: Record<string, number>
  missing_photos: string[]
}
export interface Conflicted extends ResultBase {
  status: 'conflict'
  entity: string
  id: Uuid
  version: number
  versions: Record<string, number>
  missing_photos: string[]
  conflicts: FieldConflict[]
}
export interface Rejected extends ResultBase {
  status: 'rejected'
  code: string
  message: string
  details: Record<string, unknown>
}
export interface Duplicate extends ResultBase {
  status: 'duplicate'
  original: Applied | Conflicted | Rejected
}
export type Result = Applied | Conflicted | Rejected | Duplicate

export interface Gap {
  expected_seq: number
  received_seq: number
}

export interface PushResponse {
  protocol_version: string
  server_time: IsoDateTime
  clock_skew_seconds: number | null
  clock_skew_warning: boolean
  last_seq: number
  results: Result[]
  gap: Gap | null
}

// ---------------------------------------------------------------------------
// Pull
// ---------------------------------------------------------------------------

export interface VisitRecord extends VisitFields {
  entity: 'visit'
  visitor_id: Uuid
  org_unit_id: Uuid
  status: RecordStatus
  review_comment: string
  submitted_at?: IsoDateTime | null
  reviewed_at?: IsoDateTime | null
  version: number
  missing_photos: string[]
  updated_at?: IsoDateTime | null
}

export interface DemandRecord extends DemandFields {
  entity: 'demand'
  visit_id: Uuid
  status: DemandStatus
  handler_unit_id?: Uuid | null
  due_date?: IsoDate | null
  assigned_at?: IsoDateTime | null
  closed_at?: IsoDateTime | null
  satisfaction?: Satisfaction | null
  version: number
}

export interface InspectionRecord extends InspectionFields {
  entity: 'inspection'
  inspector_id: Uuid
  org_unit_id: Uuid
  total_score: number
  status: RecordStatus
  review_comment: string
  submitted_at?: IsoDateTime | null
  reviewed_at?: IsoDateTime | null
  version: number
  missing_photos: string[]
  updated_at?: IsoDateTime | null
}

export interface ItemResultRecord extends ItemResultFields {
  entity: 'inspection_item_result'
  inspection_id: Uuid
  version: number
  missing_photos: string[]
}

export interface RectificationRecord extends RectificationFields {
  entity: 'rectification'
  inspection_id: Uuid
  version: number
}

export interface TalentRecord {
  entity: 'talent'
  id: Uuid
  name: string
  /** Pinyin initials for search ("zs" for 张三). */
  name_initials: string
  employer: string
  org_unit_id: Uuid
  category: string
  level: string
  field: string
  title: string
  /** Masked (138****5678). */
  phone_masked: string
  contact_leader: string
  liaison_staff: string
  roster_year: number
}

export interface ServiceCenterRecord {
  entity: 'service_center'
  id: Uuid
  name: string
  name_initials: string
  org_unit_id: Uuid
  address: string
  latitude: number | null
  longitude: number | null
}

export interface CampaignItem {
  key: string
  label: string
}

export interface CampaignRecord {
  entity: 'campaign'
  id: Uuid
  code: string
  name: string
  org_unit_id: Uuid
  send_items: CampaignItem[]
  ask_items: CampaignItem[]
  target_kind: 'talent' | 'unit'
  starts_on: IsoDate
  ends_on: IsoDate
  photo_required: boolean
  location_required: boolean
  album_allowed: boolean
  watermark: boolean
}

export interface ChecklistItemRecord {
  id: Uuid
  dimension: string
  title: string
  standard: string
  max_score: number
  method: string
  position: number
}

export interface ChecklistTemplateRecord {
  entity: 'checklist_template'
  id: Uuid
  name: string
  description: string
  org_unit_id: Uuid
  items: ChecklistItemRecord[]
}

export type SyncRecord =
  | CampaignRecord
  | ChecklistTemplateRecord
  | TalentRecord
  | ServiceCenterRecord
  | VisitRecord
  | DemandRecord
  | InspectionRecord
  | ItemResultRecord
  | RectificationRecord
export type EntityName = SyncRecord['entity']

export const ENTITIES: readonly EntityName[] = [
  'campaign',
  'checklist_template',
  'talent',
  'service_center',
  'visit',
  'demand',
  'inspection',
  'inspection_item_result',
  'rectification',
]

export interface Upsert {
  op: 'upsert'
  change_seq: number
  record: SyncRecord
}
export interface Tombstone {
  op: 'delete'
  change_seq: number
  entity: string
  id: Uuid
  version: number | null
}
export type Change = Upsert | Tombstone

export interface PullRequest {
  protocol_version: string
  cursor?: string | null
  limit?: number
  device_time?: IsoDateTime | null
}

export interface PullResponse {
  protocol_version: string
  server_time: IsoDateTime
  clock_skew_seconds: number | null
  clock_skew_warning: boolean
  cursor: string | null
  has_more: boolean
  reset_required: boolean
  changes: Change[]
}

// ---------------------------------------------------------------------------
// Conflicts, photos, errors
// ---------------------------------------------------------------------------

export interface ConflictRecord {
  id: Uuid
  entity: string
  entity_id: Uuid
  record_entity: string
  record_id: Uuid
  /** How a person names the record: who or what was visited or inspected, and the date. */
  record_label: string
  field: string
  base_value?: unknown
  server_value?: unknown
  client_value?: unknown
  current_value?: unknown
  author_id: Uuid
  author_name: string
  device_id: string
  mutation_id: Uuid | null
  created_at: IsoDateTime
  resolved: boolean
  resolution: 'server' | 'client' | 'value' | null
  resolved_value?: unknown
  resolved_by_id?: Uuid | null
  resolved_at?: IsoDateTime | null
  /** The caller may write a value into the record now; keeping the server's needs no write. */
  writable: boolean
}

export interface ResolveRequest {
  resolution: 'server' | 'client' | 'value'
  value?: unknown
}

export interface MediaStatus {
  sha256: string
  size: number
  /** Bytes stored so far: an interrupted upload continues from here. */
  received: number
  complete: boolean
}

export interface ErrorBody {
  code: string
  message: string
  details: Record<string, unknown>
}

// ---------------------------------------------------------------------------
// Decoders: throw ProtocolDecodeError on anything that is not the message
// ---------------------------------------------------------------------------

export class ProtocolDecodeError extends Error {
  override readonly name = 'ProtocolDecodeError'
  constructor(
    /** `sync.unsupported_version` for another major version, else `response.invalid`. */
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

type Obj = Record<string, unknown>

function fail(path: string, what: string): never {
  throw new ProtocolDecodeError('response.invalid', `${path}: expected ${what}`)
}

function obj(value: unknown, path: string): Obj {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(path, 'an object')
  return value as Obj
}

function str(o: Obj, key: string, path: string): string {
  const value = o[key]
  if (typeof value !== 'string') fail(`${path}.${key}`, 'a string')
  return value
}

function int(o: Obj, key: string, path: string): number {
  const value = o[key]
  if (typeof value !== 'number' || !Number.isInteger(value)) fail(`${path}.${key}`, 'an integer')
  return value
}

function optStr(o: Obj, key: string, path: string, fallback: string | null = null): string | null {
  const value = o[key]
  if (value === undefined || value === null) return fallback
  if (typeof value !== 'string') fail(`${path}.${key}`, 'a string or null')
  return value
}

function optNum(o: Obj, key: string, path: string): number | null {
  const value = o[key]
  if (value === undefined || value === null) return null
  if (typeof value !== 'number') fail(`${path}.${key}`, 'a number or null')
  return value
}

function bool(o: Obj, key: string, path: string, fallback = false): boolean {
  const value = o[key]
  if (value === undefined) return fallback
  if (typeof value !== 'boolean') fail(`${path}.${key}`, 'a boolean')
  return value
}

function arr(o: Obj, key: string, path: string): unknown[] {
  const value = o[key]
  if (value === undefined) return []
  if (!Array.isArray(value)) fail(`${path}.${key}`, 'an array')
  return value
}

function strList(o: Obj, key: string, path: string): string[] {
  return arr(o, key, path).map((v, i) => (typeof v === 'string' ? v : fail(`${path}.${key}[${i}]`, 'a string')))
}

function intMap(o: Obj, key: string, path: string): Record<string, number> {
  const value = o[key]
  if (value === undefined) return {}
  const map = obj(value, `${path}.${key}`)
  for (const [k, v] of Object.entries(map)) {
    if (typeof v !== 'number' || !Number.isInteger(v)) fail(`${path}.${key}.${k}`, 'an integer')
  }
  return map as Record<string, number>
}

/** Throw unless `version` has our major number. */
export function checkVersion(version: unknown): void {
  if (typeof version !== 'string' || version.split('.', 1)[0] !== String(PROTOCOL_MAJOR)) {
    throw new ProtocolDecodeError(
      'sync.unsupported_version',
      `protocol version ${JSON.stringify(version)} is not supported; this app speaks ${PROTOCOL_VERSION}`,
    )
  }
}

function decodeResultCore(o: Obj, path: string): Applied | Conflicted | Rejected {
  const status = o['status']
  const base = { mutation_id: str(o, 'mutation_id', path), seq: int(o, 'seq', path) }
  if (status === 'applied' || status === 'conflict') {
    const common = {
      ...o,
      ...base,
      entity: str(o, 'entity', path),
      id: str(o, 'id', path),
      version: int(o, 'version', path),
      versions: intMap(o, 'versions', path),
      missing_photos: strList(o, 'missing_photos', path),
    }
    if (status === 'applied') return { ...common, status }
    const conflicts = arr(o, 'conflicts', path).map((c, i) => {
      const p = `${path}.conflicts[${i}]`
      const co = obj(c, p)
      return {
        ...co,
        conflict_id: str(co, 'conflict_id', p),
        entity: str(co, 'entity', p),
        id: str(co, 'id', p),
        field: str(co, 'field', p),
      } as FieldConflict
    })
    return { ...common, status, conflicts }
  }
  if (status === 'rejected') {
    const details = o['details'] === undefined ? {} : obj(o['details'], `${path}.details`)
    return { ...o, ...base, status, code: str(o, 'code', path), message: str(o, 'message', path), details }
  }
  return fail(`${path}.status`, 'applied, conflict or rejected')
}

export function decodeResult(value: unknown, path = 'result'): Result {
  const o = obj(value, path)
  if (o['status'] === 'duplicate') {
    const original = decodeResultCore(obj(o['original'], `${path}.original`), `${path}.original`)
    return { ...o, mutation_id: str(o, 'mutation_id', path), seq: int(o, 'seq', path), status: 'duplicate', original }
  }
  return decodeResultCore(o, path)
}

/** A response must name a protocol version: one that does not is not our server's. */
function checkResponseVersion(o: Obj, path: string): void {
  str(o, 'protocol_version', path)
  checkVersion(o['protocol_version'])
}

export function decodePushResponse(value: unknown): PushResponse {
  const path = 'push'
  const o = obj(value, path)
  checkResponseVersion(o, path)
  let gap: Gap | null = null
  if (o['gap'] !== undefined && o['gap'] !== null) {
    const g = obj(o['gap'], `${path}.gap`)
    gap = { expected_seq: int(g, 'expected_seq', `${path}.gap`), received_seq: int(g, 'received_seq', `${path}.gap`) }
  }
  return {
    protocol_version: str(o, 'protocol_version', path),
    server_time: str(o, 'server_time', path),
    clock_skew_seconds: optNum(o, 'clock_skew_seconds', path),
    clock_skew_warning: bool(o, 'clock_skew_warning', path),
    last_seq: int(o, 'last_seq', path),
    results: arr(o, 'results', path).map((r, i) => decodeResult(r, `${path}.results[${i}]`)),
    gap,
  }
}

/** Fields each entity must carry for the client to store it. */
const RECORD_KEYS: Readonly<Record<EntityName, readonly string[]>> = {
  campaign: ['id', 'name', 'code'],
  checklist_template: ['id', 'name'],
  talent: ['id', 'name', 'org_unit_id'],
  service_center: ['id', 'name', 'org_unit_id'],
  visit: ['id', 'campaign_id', 'visited_on', 'status'],
  demand: ['id', 'visit_id', 'category'],
  inspection: ['id', 'service_center_id', 'template_id', 'inspected_on', 'status'],
  inspection_item_result: ['id', 'inspection_id', 'item_id'],
  rectification: ['id', 'inspection_id'],
}

/** Defaults for fields the server may leave out (msgspec omits nothing, but be lenient). */
function withDefaults(entity: EntityName, o: Obj): Obj {
  switch (entity) {
    case 'talent':
      return { name_initials: '', employer: '', category: '', level: '', field: '', title: '', phone_masked: '', contact_leader: '', liaison_staff: '', ...o }
    case 'service_center':
      return { name_initials: '', address: '', latitude: null, longitude: null, ...o }
    case 'campaign':
      return { send_items: [], ask_items: [], target_kind: 'talent', photo_required: false, location_required: false, album_allowed: true, watermark: false, ...o }
    case 'checklist_template':
      return { description: '', items: [], ...o }
    case 'visit':
    case 'inspection':
      return { review_comment: '', missing_photos: [], photos: [], ...o }
    case 'inspection_item_result':
      return { missing_photos: [], photos: [], ...o }
    default:
      return o
  }
}

export function decodeRecord(value: unknown, path = 'record'): SyncRecord {
  const o = obj(value, path)
  const entity = o['entity']
  if (typeof entity !== 'string' || !(ENTITIES as readonly string[]).includes(entity)) {
    fail(`${path}.entity`, `one of ${ENTITIES.join(', ')}`)
  }
  const name = entity as EntityName
  for (const key of RECORD_KEYS[name]) {
    if (typeof o[key] !== 'string') fail(`${path}.${key}`, 'a string')
  }
  if (name !== 'campaign' && name !== 'checklist_template' && name !== 'talent' && name !== 'service_center') {
    int(o, 'version', path)
  }
  return withDefaults(name, o) as unknown as SyncRecord
}

export function decodeChange(value: unknown, path = 'change'): Change {
  const o = obj(value, path)
  const change_seq = int(o, 'change_seq', path)
  if (o['op'] === 'upsert') return { op: 'upsert', change_seq, record: decodeRecord(o['record'], `${path}.record`) }
  if (o['op'] === 'delete') {
    return {
      op: 'delete',
      change_seq,
      entity: str(o, 'entity', path),
      id: str(o, 'id', path),
      version: optNum(o, 'version', path),
    }
  }
  return fail(`${path}.op`, 'upsert or delete')
}

export function decodePullResponse(value: unknown): PullResponse {
  const path = 'pull'
  const o = obj(value, path)
  checkResponseVersion(o, path)
  if (!('cursor' in o)) fail(`${path}.cursor`, 'a string or null')
  return {
    protocol_version: str(o, 'protocol_version', path),
    server_time: str(o, 'server_time', path),
    clock_skew_seconds: optNum(o, 'clock_skew_seconds', path),
    clock_skew_warning: bool(o, 'clock_skew_warning', path),
    cursor: optStr(o, 'cursor', path),
    has_more: bool(o, 'has_more', path),
    reset_required: bool(o, 'reset_required', path),
    changes: arr(o, 'changes', path).map((c, i) => decodeChange(c, `${path}.changes[${i}]`)),
  }
}

export function decodeMediaStatus(value: unknown): MediaStatus {
  const path = 'media'
  const o = obj(value, path)
  const sha256 = str(o, 'sha256', path)
  if (!/^[0-9a-f]{64}$/.test(sha256)) fail(`${path}.sha256`, 'a SHA-256 hex digest')
  return { sha256, size: int(o, 'size', path), received: int(o, 'received', path), complete: bool(o, 'complete', path) }
}

export function decodeErrorBody(value: unknown): ErrorBody {
  const o = obj(value, 'error')
  const details = o['details'] === undefined || o['details'] === null ? {} : obj(o['details'], 'error.details')
  return { code: str(o, 'code', 'error'), message: str(o, 'message', 'error'), details }
}

export function decodeConflictRecord(value: unknown): ConflictRecord {
  const path = 'conflict'
  const o = obj(value, path)
  for (const key of ['id', 'entity', 'entity_id', 'record_entity', 'record_id', 'field', 'author_id', 'created_at']) str(o, key, path)
  return {
    record_label: '',
    author_name: '',
    device_id: '',
    mutation_id: null,
    resolved: false,
    resolution: null,
    writable: false,
    ...o,
  } as unknown as ConflictRecord
}

/** Check an outbound request we are about to send (used by tests on the examples). */
export function decodeMutation(value: unknown, path = 'mutation'): Mutation {
  const o = obj(value, path)
  str(o, 'mutation_id', path)
  int(o, 'seq', path)
  const op = o['op']
  if (typeof op !== 'string' || !(MUTATION_OPS as readonly string[]).includes(op)) fail(`${path}.op`, 'a known operation')
  if (op === 'visit.put') obj(o['visit'], `${path}.visit`)
  else if (op === 'inspection.put') obj(o['inspection'], `${path}.inspection`)
  else if (op !== 'skip') str(o, 'id', path)
  return o as unknown as Mutation
}

export function decodePushRequest(value: unknown): PushRequest {
  const o = obj(value, 'push_request')
  checkVersion(o['protocol_version'])
  str(o, 'device_id', 'push_request')
  return { ...(o as unknown as PushRequest), mutations: arr(o, 'mutations', 'push_request').map((m, i) => decodeMutation(m, `push_request.mutations[${i}]`)) }
}

export function decodePullRequest(value: unknown): PullRequest {
  const o = obj(value, 'pull_request')
  checkVersion(o['protocol_version'])
  return o as unknown as PullRequest
}
