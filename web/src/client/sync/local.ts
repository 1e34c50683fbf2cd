/**
 * What the screens read, all from the phone: rosters, campaigns and templates
 * (pulled), and "my records" — the pulled copies merged with what is still in
 * the outbox, so a record is readable offline from the moment it is saved.
 */
import type {
  CampaignRecord,
  ChecklistTemplateRecord,
  DemandIn,
  DemandRecord,
  InspectionIn,
  InspectionPut,
  InspectionRecord,
  ItemResultIn,
  ItemResultRecord,
  RecordStatus,
  RectificationIn,
  RectificationRecord,
  ServiceCenterRecord,
  TalentRecord,
  VisitIn,
  VisitPut,
  VisitRecord,
} from '../../shared/protocol'
import { session } from '../auth/session'
import * as db from '../storage'
import type {
  MyInspection,
  MyRecord,
  MyVisit,
  PhotoSyncInfo,
  RecordSyncStatus,
  ServiceCenterListItem,
  SyncError,
  TalentListItem,
} from './types'

const collator = new Intl.Collator('zh-CN')

// ---------------------------------------------------------------------------
// Caches: rosters can hold thousands of rows; search runs on every keystroke.
// ---------------------------------------------------------------------------

let rosterCache: Promise<Map<db.RosterKind, db.RosterEntry[]>> | null = null
let lastDoneCache: Promise<{ visits: Map<string, string>; inspections: Map<string, string> }> | null = null

db.onDataChange(() => {
  rosterCache = null
  lastDoneCache = null
})
db.onOutboxChange(() => {
  lastDoneCache = null
})

function rosters(): Promise<Map<db.RosterKind, db.RosterEntry[]>> {
  rosterCache ??= Promise.all([db.listRoster('talent'), db.listRoster('service_center')]).then(
    ([talents, centers]) =>
      new Map<db.RosterKind, db.RosterEntry[]>([
        ['talent', talents],
        ['service_center', centers],
      ]),
  )
  rosterCache.catch(() => (rosterCache = null))
  return rosterCache
}

function later(map: Map<string, string>, key: string | null | undefined, date: string | undefined): void {
  if (!key || !date) return
  const seen = map.get(key)
  if (seen === undefined || date > seen) map.set(key, date)
}

/** Latest visit date per talent and inspection date per centre, from pulled and queued records. */
function lastDone(): Promise<{ visits: Map<string, string>; inspections: Map<string, string> }> {
  lastDoneCache ??= (async () => {
    const visits = new Map<string, string>()
    const inspections = new Map<string, string>()
    for (const r of await db.listRecords('visit')) {
      const v = r.data as VisitRecord
      later(visits, v.talent_id, v.visited_on)
    }
    for (const r of await db.listRecords('inspection')) {
      const i = r.data as InspectionRecord
      later(inspections, i.service_center_id, i.inspected_on)
    }
    for (const item of await db.listOutbox()) {
      if (item.kind === 'visit.put') {
        const v = (item.payload as VisitPut).visit
        later(visits, v.talent_id, v.visited_on)
      } else if (item.kind === 'inspection.put') {
        const i = (item.payload as InspectionPut).inspection
        later(inspections, i.service_center_id, i.inspected_on)
      }
    }
    return { visits, inspections }
  })()
  lastDoneCache.catch(() => (lastDoneCache = null))
  return lastDoneCache
}

/**
 * How well a roster row matches a query: 0 exact name, 1 name or pinyin-initials
 * prefix, 2 name substring, -1 no match. Initials come from the server ("zs" → 张三).
 */
export function matchRank(name: string, initials: string, query: string): number {
  const q = query.trim().toLowerCase().replace(/\s+/g, '')
  if (q === '') return 1
  if (name === q) return 0
  if (name.startsWith(q) || (initials !== '' && initials.toLowerCase().startsWith(q))) return 1
  if (name.includes(q)) return 2
  return -1
}

function searched<T extends { name: string; name_initials: string }>(rows: T[], query: string): T[] {
  return rows
    .map((row) => ({ row, rank: matchRank(row.name, row.name_initials, query) }))
    .filter((x) => x.rank >= 0)
    .sort((a, b) => a.rank - b.rank || collator.compare(a.row.name, b.row.name))
    .map((x) => x.row)
}

export async function listTalents(query: string, orgUnitId?: string): Promise<TalentListItem[]> {
  const [all, done] = await Promise.all([rosters(), lastDone()])
  const rows = (all.get('talent') ?? [])
    .map((e) => e.data as TalentRecord)
    .filter((t) => !orgUnitId || t.org_unit_id === orgUnitId)
  return searched(rows, query).map((t) => ({ ...t, last_visited_on: done.visits.get(t.id) ?? null }))
}

export async function listServiceCenters(query: string): Promise<ServiceCenterListItem[]> {
  const [all, done] = await Promise.all([rosters(), lastDone()])
  const rows = (all.get('service_center') ?? []).map((e) => e.data as ServiceCenterRecord)
  return searched(rows, query).map((c) => ({ ...c, last_inspected_on: done.inspections.get(c.id) ?? null }))
}

export async function getTalent(id: string): Promise<TalentListItem | undefined> {
  const entry = await db.getRosterEntry(id)
  if (!entry || entry.kind !== 'talent') return undefined
  const done = await lastDone()
  return { ...(entry.data as TalentRecord), last_visited_on: done.visits.get(id) ?? null }
}

export async function getServiceCenter(id: string): Promise<ServiceCenterListItem | undefined> {
  const entry = await db.getRosterEntry(id)
  if (!entry || entry.kind !== 'service_center') return undefined
  const done = await lastDone()
  return { ...(entry.data as ServiceCenterRecord), last_inspected_on: done.inspections.get(id) ?? null }
}

/** Campaigns this user works in, the newest first. */
export async function listCampaigns(): Promise<CampaignRecord[]> {
  return (await db.listConfig('campaign'))
    .map((e) => e.data as CampaignRecord)
    .sort((a, b) => b.starts_on.localeCompare(a.starts_on) || collator.compare(a.name, b.name))
}

export async function listChecklistTemplates(): Promise<ChecklistTemplateRecord[]> {
  return (await db.listConfig('checklist_template'))
    .map((e) => e.data as ChecklistTemplateRecord)
    .sort((a, b) => collator.compare(a.name, b.name))
}

// ---------------------------------------------------------------------------
// My records
// ---------------------------------------------------------------------------

type Entity = 'visit' | 'inspection'

interface PhotoIndex {
  unsynced: Map<string, db.Photo>
  uploaded: Set<string>
}

async function photoIndex(userId: string): Promise<PhotoIndex> {
  const [unsynced, uploaded] = await Promise.all([db.listUnsyncedPhotos(userId), db.photoKeys(userId, 'uploaded')])
  return { unsynced: new Map(unsynced.map((p) => [p.sha256, p])), uploaded: new Set(uploaded) }
}

function photoInfo(sha256: string, photos: PhotoIndex, missing: readonly string[]): PhotoSyncInfo {
  const local = photos.unsynced.get(sha256)
  if (local) {
    return {
      sha256,
      mime: local.mime,
      size: local.size,
      status: local.status === 'uploaded' ? 'uploaded' : local.status,
      uploaded_bytes: local.uploaded_bytes,
      error: local.error_message ? { code: local.error_code ?? '', message: local.error_message } : null,
      local: true,
    }
  }
  const here = photos.uploaded.has(sha256)
  // The server lists what it still lacks; anything else it has.
  const status = missing.includes(sha256) && !here ? 'missing' : 'uploaded'
  return {
    sha256,
    mime: null,
    size: null,
    status,
    uploaded_bytes: 0,
    error: status === 'missing' ? { code: 'media.missing', message: '服务器缺少这张照片，且本机没有它的副本。' } : null,
    local: here,
  }
}

function visitFromServer(v: VisitRecord, demands: DemandRecord[]): VisitIn {
  return {
    id: v.id,
    campaign_id: v.campaign_id,
    talent_id: v.talent_id ?? null,
    target_unit_name: v.target_unit_name ?? '',
    visited_on: v.visited_on,
    mode: v.mode,
    visitors: v.visitors ?? [],
    lead_official: v.lead_official ?? '',
    place: v.place ?? '',
    latitude: v.latitude ?? null,
    longitude: v.longitude ?? null,
    accuracy: v.accuracy ?? null,
    located_at: v.located_at ?? null,
    sends: v.sends ?? [],
    policies: v.policies ?? '',
    asks: v.asks ?? {},
    notes: v.notes ?? '',
    photos: v.photos ?? [],
    device_created_at: v.device_created_at ?? null,
    demands: demands.map(
      (d): DemandIn => ({
        id: d.id,
        ask_key: d.ask_key ?? 'needs',
        category: d.category,
        description: d.description,
        resolved_on_site: d.resolved_on_site ?? false,
        base_version: d.version,
      }),
    ),
  }
}

function inspectionFromServer(i: InspectionRecord, results: ItemResultRecord[], rects: RectificationRecord[]): InspectionIn {
  return {
    id: i.id,
    service_center_id: i.service_center_id,
    template_id: i.template_id,
    inspected_on: i.inspected_on,
    notes: i.notes ?? '',
    latitude: i.latitude ?? null,
    longitude: i.longitude ?? null,
    accuracy: i.accuracy ?? null,
    located_at: i.located_at ?? null,
    photos: i.photos ?? [],
    device_created_at: i.device_created_at ?? null,
    item_results: results.map(
      (r): ItemResultIn => ({
        id: r.id,
        item_id: r.item_id,
        result: r.result,
        score: r.score ?? 0,
        note: r.note ?? '',
        photos: r.photos ?? [],
        base_version: r.version,
      }),
    ),
    rectifications: rects.map(
      (r): RectificationIn => ({
        id: r.id,
        item_id: r.item_id ?? null,
        issue: r.issue,
        responsible_unit_id: r.responsible_unit_id ?? null,
        responsible_unit_name: r.responsible_unit_name ?? '',
        deadline: r.deadline,
        status: r.status ?? 'pending',
        base_version: r.version,
      }),
    ),
  }
}

/** Merge a local edit's nested rows over the server's: the edit lists only what it changes. */
function mergeRows<T extends { id: string; deleted?: boolean }>(server: T[] | undefined, local: T[] | undefined): T[] {
  const rows = new Map((server ?? []).map((r) => [r.id, r]))
  for (const row of local ?? []) {
    if (row.deleted) rows.delete(row.id)
    else rows.set(row.id, { ...rows.get(row.id), ...row })
  }
  return [...rows.values()]
}

function syncOf(items: db.OutboxItem[], record: db.ServerRecord | undefined, photos: PhotoSyncInfo[]): {
  sync: RecordSyncStatus
  error: SyncError | null
} {
  const rejected = items.find((i) => i.status === 'rejected')
  if (rejected) {
    return { sync: 'rejected', error: { code: rejected.last_error ?? '', message: rejected.error_message ?? '提交被服务器退回。' } }
  }
  if (items.some((i) => i.status === 'sending')) return { sync: 'sending', error: null }
  if (items.length > 0) {
    const failed = items.find((i) => i.last_error)
    return { sync: 'pending', error: failed ? { code: failed.last_error!, message: failed.error_message ?? '' } : null }
  }
  const conflicts = record?.conflicts ?? []
  if (conflicts.length > 0) {
    return {
      sync: 'conflict',
      error: {
        code: 'sync.conflict',
        message: `有 ${conflicts.length} 处与他人同时修改，服务器保留了对方的内容；你的修改已记录，由审核人在「冲突处理」中决定采用哪一份。`,
      },
    }
  }
  if (photos.some((p) => p.status !== 'uploaded')) return { sync: 'pending', error: null }
  return { sync: 'synced', error: null }
}

/** A record as this phone knows it; another person's only with `othersToo` (a reviewer's view). */
async function build(
  entity: Entity,
  id: string,
  items: db.OutboxItem[],
  userId: string,
  photos: PhotoIndex,
  othersToo = false,
): Promise<MyRecord | undefined> {
  const stored = await db.getRecord(id)
  const children = stored ? await db.listChildRecords(id) : []
  const mine = items.filter((i) => i.entity === entity && i.entity_id === id).sort((a, b) => a.seq - b.seq)
  const puts = mine.filter((i) => i.kind === `${entity}.put`)
  const latestPut = puts[puts.length - 1]
  if (!stored && !latestPut) return undefined
  if (mine.some((i) => i.kind === `${entity}.delete` && i.status !== 'rejected')) return undefined // being withdrawn
  const server = (stored?.data ?? null) as VisitRecord | InspectionRecord | null
  const owner = server ? (entity === 'visit' ? (server as VisitRecord).visitor_id : (server as InspectionRecord).inspector_id) : userId
  if (owner !== userId && mine.length === 0 && !othersToo) return undefined

  const pendingSubmit = mine.some((i) => i.kind === `${entity}.submit` && i.status !== 'rejected')
  let status: RecordStatus = server?.status ?? 'draft'
  if (pendingSubmit && status !== 'approved') status = 'submitted'

  const missing = server?.missing_photos ?? []
  const common = {
    id,
    status,
    review_comment: server?.review_comment ?? '',
    version: stored?.version ?? 0,
    queued_at: mine.length ? Math.min(...mine.map((i) => i.created_at)) : null,
    conflicts: stored?.conflicts ?? [],
  }

  if (entity === 'visit') {
    const demandRecords = children.filter((c) => c.entity === 'demand').map((c) => c.data as DemandRecord)
    const fromServer = server ? visitFromServer(server as VisitRecord, demandRecords) : null
    const local = latestPut ? (latestPut.payload as VisitPut).visit : null
    const data: VisitIn = local
      ? { ...(fromServer ?? {}), ...local, demands: mergeRows(fromServer?.demands, local.demands) }
      : fromServer!
    const photoList = (data.photos ?? []).map((sha) => photoInfo(sha, photos, missing))
    const { sync, error } = syncOf(mine, stored, photoList)
    const visit: MyVisit = {
      ...common,
      entity: 'visit',
      data,
      server: server as VisitRecord | null,
      demand_records: demandRecords,
      photos: photoList,
      sync,
      sync_error: error,
    }
    return visit
  }

  const resultRecords = children.filter((c) => c.entity === 'inspection_item_result').map((c) => c.data as ItemResultRecord)
  const rectRecords = children.filter((c) => c.entity === 'rectification').map((c) => c.data as RectificationRecord)
  const fromServer = server ? inspectionFromServer(server as InspectionRecord, resultRecords, rectRecords) : null
  const local = latestPut ? (latestPut.payload as InspectionPut).inspection : null
  const data: InspectionIn = local
    ? {
        ...(fromServer ?? {}),
        ...local,
        item_results: mergeRows(fromServer?.item_results, local.item_results),
        rectifications: mergeRows(fromServer?.rectifications, local.rectifications),
      }
    : fromServer!
  const shas = [...(data.photos ?? []), ...(data.item_results ?? []).flatMap((r) => r.photos ?? [])]
  const photoList = [...new Set(shas)].map((sha) => photoInfo(sha, photos, [...missing, ...resultRecords.flatMap((r) => r.missing_photos ?? [])]))
  const { sync, error } = syncOf(mine, stored, photoList)
  const localTotal = (data.item_results ?? []).reduce((sum, r) => sum + (r.result === 'not_applicable' ? 0 : (r.score ?? 0)), 0)
  const inspection: MyInspection = {
    ...common,
    entity: 'inspection',
    data,
    server: server as InspectionRecord | null,
    item_result_records: resultRecords,
    rectification_records: rectRecords,
    total_score: local || !server ? localTotal : (server as InspectionRecord).total_score,
    photos: photoList,
    sync,
    sync_error: error,
  }
  return inspection
}

function dateOf(record: MyRecord): string {
  return record.entity === 'visit' ? record.data.visited_on : record.data.inspected_on
}

/** My visits and inspections, from the phone and from the server, the latest first. */
export async function listMyRecords(): Promise<MyRecord[]> {
  const userId = session.user?.id
  if (!userId) return []
  return listRecords(userId, false)
}

/**
 * Records of other people in a reviewer's area, as last pulled (a supervisor's phone pulls the
 * records of its unit's subtree): what 审核 lists. Readable offline; deciding needs the network.
 */
export async function listReviewRecords(): Promise<MyRecord[]> {
  const userId = session.user?.id
  if (!userId) return []
  return (await listRecords(userId, true)).filter((r) => r.server !== null && ownerOf(r) !== userId)
}

/** How many records of other people wait for review on this phone (the home screen's badge):
 * read from the stored copies alone, without building each record. */
export async function countAwaitingReview(): Promise<number> {
  const userId = session.user?.id
  if (!userId) return 0
  const [visits, inspections] = await Promise.all([db.listRecords('visit'), db.listRecords('inspection')])
  return [...visits, ...inspections].filter((r) => {
    const data = r.data as { status?: string; visitor_id?: string; inspector_id?: string }
    return data.status === 'submitted' && (data.visitor_id ?? data.inspector_id) !== userId
  }).length
}

/** The user id that recorded a record the server has. */
export function ownerOf(record: MyRecord): string | undefined {
  if (record.entity === 'visit') return record.server?.visitor_id
  return record.server?.inspector_id
}

async function listRecords(userId: string, othersToo: boolean): Promise<MyRecord[]> {
  const [items, photos, visits, inspections] = await Promise.all([
    db.listOutbox(userId),
    photoIndex(userId),
    db.listRecords('visit'),
    db.listRecords('inspection'),
  ])
  const keys = new Map<string, Entity>()
  for (const r of [...visits, ...inspections]) keys.set(r.id, r.entity as Entity)
  for (const i of items) if (i.entity === 'visit' || i.entity === 'inspection') keys.set(i.entity_id, i.entity)
  const built = await Promise.all([...keys].map(([id, entity]) => build(entity, id, items, userId, photos, othersToo)))
  return built
    .filter((r): r is MyRecord => r !== undefined)
    .sort(
      (a, b) =>
        dateOf(b).localeCompare(dateOf(a)) ||
        String(b.data.device_created_at ?? '').localeCompare(String(a.data.device_created_at ?? '')),
    )
}

export async function getMyRecord(entity: 'visit', id: string): Promise<MyVisit | undefined>
export async function getMyRecord(entity: 'inspection', id: string): Promise<MyInspection | undefined>
export async function getMyRecord(entity: Entity, id: string): Promise<MyRecord | undefined>
export async function getMyRecord(entity: Entity, id: string): Promise<MyRecord | undefined> {
  return getRecord(entity, id, false)
}

/** One record in a reviewer's area, whoever recorded it (see listReviewRecords). */
export async function getReviewRecord(entity: Entity, id: string): Promise<MyRecord | undefined> {
  return getRecord(entity, id, true)
}

async function getRecord(entity: Entity, id: string, othersToo: boolean): Promise<MyRecord | undefined> {
  const userId = session.user?.id
  if (!userId) return undefined
  const [items, photos] = await Promise.all([db.listOutbox(userId), photoIndex(userId)])
  return build(entity, id, items, userId, photos, othersToo)
}
