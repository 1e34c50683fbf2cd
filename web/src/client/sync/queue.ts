/**
 * Putting work into the outbox: records (as protocol mutations) and photos.
 * Everything here works offline; sending is the engine's job (requestSync).
 */
import type {
  DemandIn,
  InspectionIn,
  InspectionPut,
  ItemResultIn,
  RectificationIn,
  VisitIn,
  VisitPut,
} from '../../shared/protocol'
import { session } from '../auth/session'
import * as db from '../storage'
import { requestSync } from './engine'
import { mutationPhotos } from './payloads'
import { sha256Hex } from './sha256'
import { downloadMedia } from './transport'
import type { PhotoRef } from './types'

/** What the server accepts (media/controllers.py ALLOWED_TYPES); never WebP (Safari fakes it). */
export const PHOTO_TYPES: readonly string[] = ['image/jpeg', 'image/png']

export const VISIT_KEYS = [
  'id', 'campaign_id', 'talent_id', 'target_unit_name', 'visited_on', 'mode', 'visitors', 'lead_official', 'place',
  'latitude', 'longitude', 'accuracy', 'located_at', 'sends', 'policies', 'asks', 'notes', 'photos',
  'device_created_at', 'demands',
] as const
export const DEMAND_KEYS = ['id', 'ask_key', 'category', 'description', 'resolved_on_site', 'base_version', 'deleted'] as const
export const INSPECTION_KEYS = [
  'id', 'service_center_id', 'template_id', 'inspected_on', 'notes', 'latitude', 'longitude', 'accuracy',
  'located_at', 'photos', 'device_created_at', 'item_results', 'rectifications',
] as const
export const ITEM_RESULT_KEYS = ['id', 'item_id', 'result', 'score', 'note', 'photos', 'base_version', 'deleted'] as const
export const RECTIFICATION_KEYS = [
  'id', 'item_id', 'issue', 'responsible_unit_id', 'responsible_unit_name', 'deadline', 'status', 'base_version', 'deleted',
] as const

/**
 * A plain copy with only the protocol's fields (undefined dropped). The server
 * refuses unknown fields, so one here is a bug in the caller: say so now, not
 * as a rejection days later.
 */
function pick<T>(value: T, keys: readonly string[], what: string): T {
  const source = JSON.parse(JSON.stringify(value)) as Record<string, unknown>
  const unknown = Object.keys(source).filter((key) => !keys.includes(key))
  if (unknown.length > 0) throw new TypeError(`${what}: unknown field(s) ${unknown.join(', ')}`)
  return source as T
}

function currentUserId(): string {
  const id = session.user?.id
  if (!id) throw new Error('未登录，无法保存到待同步')
  return id
}

/** The server version of a record as this phone knows it (0: the server has never acknowledged it). */
async function knownVersion(id: string): Promise<number> {
  return (await db.getRecord(id))?.version ?? 0
}

/** A nested row's base version: the caller's when it names one, else the local copy's. */
async function withBase<T extends { id: string; base_version?: number }>(row: T): Promise<T> {
  if (row.base_version !== undefined && row.base_version > 0) return row
  return { ...row, base_version: await knownVersion(row.id) }
}

function deviceNow(): string {
  return new Date().toISOString()
}

async function enqueue(
  entity: 'visit' | 'inspection',
  id: string,
  put: Omit<VisitPut, 'mutation_id' | 'seq'> | Omit<InspectionPut, 'mutation_id' | 'seq'>,
  submit: boolean,
  baseVersion: number,
): Promise<void> {
  const userId = currentUserId()
  const mutations: db.NewMutation[] = [{ user_id: userId, kind: `${entity}.put`, entity, entity_id: id, payload: put }]
  if (submit) {
    mutations.push({
      user_id: userId,
      kind: `${entity}.submit`,
      entity,
      entity_id: id,
      payload: { op: `${entity}.submit`, id, base_version: baseVersion },
    })
  }
  await db.enqueueMutations(mutations)
  requestSync(`${entity}.${submit ? 'submit' : 'put'}`)
}

/** Queue a visit (the whole record with its demands) and, if `submit`, its submission for review. */
export async function queueVisit(visit: VisitIn, opts: { submit: boolean }): Promise<void> {
  const clean = pick(visit, VISIT_KEYS, 'VisitIn')
  if (!clean.id || !clean.campaign_id) throw new TypeError('VisitIn: id and campaign_id are required')
  clean.device_created_at ??= deviceNow()
  if (clean.demands) {
    clean.demands = await Promise.all(clean.demands.map((d) => withBase(pick<DemandIn>(d, DEMAND_KEYS, 'DemandIn'))))
  }
  const base = await knownVersion(clean.id)
  await enqueue('visit', clean.id, { op: 'visit.put', base_version: base, visit: clean }, opts.submit, base)
}

/** Queue an inspection (with item results and rectifications) and, if `submit`, its submission. */
export async function queueInspection(inspection: InspectionIn, opts: { submit: boolean }): Promise<void> {
  const clean = pick(inspection, INSPECTION_KEYS, 'InspectionIn')
  if (!clean.id || !clean.service_center_id || !clean.template_id) {
    throw new TypeError('InspectionIn: id, service_center_id and template_id are required')
  }
  clean.device_created_at ??= deviceNow()
  if (clean.item_results) {
    clean.item_results = await Promise.all(
      clean.item_results.map((r) => withBase(pick<ItemResultIn>(r, ITEM_RESULT_KEYS, 'ItemResultIn'))),
    )
  }
  if (clean.rectifications) {
    clean.rectifications = await Promise.all(
      clean.rectifications.map((r) => withBase(pick<RectificationIn>(r, RECTIFICATION_KEYS, 'RectificationIn'))),
    )
  }
  const base = await knownVersion(clean.id)
  await enqueue('inspection', clean.id, { op: 'inspection.put', base_version: base, inspection: clean }, opts.submit, base)
}

/**
 * Keep a photo on the phone (ArrayBuffer + MIME type, named by its SHA-256) and
 * start uploading it at once if there is a signal: photos go before the record.
 */
export async function savePhoto(recordId: string, bytes: ArrayBuffer, mime: string): Promise<PhotoRef> {
  const type = mime.split(';')[0]!.trim().toLowerCase()
  if (!PHOTO_TYPES.includes(type)) throw new TypeError(`只支持 JPG 或 PNG 照片（收到 ${mime}）`)
  const userId = currentUserId()
  const sha256 = await sha256Hex(bytes)
  const stored = await db.addPhoto({
    sha256,
    record_id: recordId,
    user_id: userId,
    mime: type,
    bytes,
    size: bytes.byteLength,
    status: 'pending',
    uploaded_bytes: 0,
    created_at: Date.now(),
    uploaded_at: null,
    error_code: null,
    error_message: null,
  })
  requestSync('photo')
  return { sha256, mime: stored.mime, size: stored.size }
}

/** Remove a photo taken for a record not yet submitted. A photo a queued change still lists is kept. */
export async function discardPhoto(sha256: string): Promise<void> {
  await db.deletePhotoUnlessQueued(sha256, (item) => mutationPhotos(item.payload).includes(sha256))
}

/**
 * A photo's bytes for a thumbnail or preview: from the phone, or (online, for a
 * record pulled from the server) from the server, without storing it.
 */
export async function photoBytes(sha256: string): Promise<{ bytes: ArrayBuffer; mime: string } | undefined> {
  const photo = await db.getPhoto(sha256)
  if (photo) return { bytes: photo.bytes, mime: photo.mime }
  const token = session.token
  if (!token || session.needsReauth || (typeof navigator !== 'undefined' && navigator.onLine === false)) return undefined
  try {
    return await downloadMedia(token, sha256)
  } catch {
    return undefined
  }
}
