/**
 * The app's IndexedDB database. This is the only module that opens it: every
 * other module reads and writes through the helpers below, so the database's
 * name, version, stores and indexes are defined in one place.
 *
 * Schema changes are an upgrade ladder (MIGRATIONS): entry N takes the database
 * from version N to N + 1. Append steps; never edit or remove a released one and
 * never drop a store that can hold user data (an unsynced record must survive
 * every app update).
 */
import {
  openDB,
  type DBSchema,
  type IDBPDatabase,
  type IDBPTransaction,
  type StoreNames,
} from 'idb'

import { newId } from '../../shared/ids'
import type { FieldConflict } from '../../shared/protocol'
import type { User } from '../api'

export const DB_NAME = 'zoufang'

// ---------------------------------------------------------------------------
// Record shapes
// ---------------------------------------------------------------------------

/** Values of the key-value `session` store. */
export interface SessionValues {
  token: string
  user: User
  /** Result of navigator.storage.persist(); null where the browser lacks it. */
  persisted: boolean | null
}
export type SessionKey = keyof SessionValues

export interface Session {
  token: string | null
  user: User | null
  persisted: boolean | null
}

export type OutboxStatus = 'pending' | 'sending' | 'rejected' | 'conflict'

/**
 * A local change waiting for the server's acknowledgement. Deleted only once the
 * server's answer names it (applied, duplicate or conflict); a rejected one stays,
 * marked, until the user discards it or a later change supersedes it.
 */
export interface OutboxItem {
  /** Mutation id (UUID), made on the phone; the server treats a replay as a no-op. */
  id: string
  /** Who queued it: only that user's session ever pushes it. */
  user_id: string
  /** Protocol operation, e.g. "visit.put". */
  kind: string
  /** Entity type from the glossary: "visit", "inspection", ... */
  entity: string
  entity_id: string
  /** Per (user, device) sequence, allocated in the same transaction as the insert. */
  seq: number
  status: OutboxStatus
  /** Epoch ms on the phone's clock: for display only, never for ordering. */
  created_at: number
  /** Error code of the last failed attempt, if any. */
  last_error: string | null
  /** What the user reads about that error (zh-CN). */
  error_message?: string | null
  /** Requests that carried it (a replay is harmless: the server answers duplicate). */
  attempts?: number
  /** The protocol mutation without mutation_id and seq (those are the item's id and seq). */
  payload: unknown
}

/** What a caller supplies; the module fills in seq, status, created_at and last_error. */
export interface NewMutation {
  id?: string
  user_id: string
  kind: string
  entity: string
  entity_id: string
  payload: unknown
}

export type PhotoStatus = 'pending' | 'uploading' | 'uploaded' | 'rejected'

/** A compressed photo kept until the server has all of it (and a while after, for previews). */
export interface Photo {
  /** SHA-256 (hex) of `bytes`: the key, and the upload's idempotency key. */
  sha256: string
  record_id: string
  /** Who took it: only that user's session uploads it. */
  user_id?: string
  mime: string
  /** Raw bytes; never a Blob (WebKit loses Blobs stored in IndexedDB). */
  bytes: ArrayBuffer
  size: number
  status: PhotoStatus
  /** Bytes the server has acknowledged (display only: an upload resumes from what the server reports). */
  uploaded_bytes: number
  created_at: number
  /** Epoch ms the server confirmed the whole photo. */
  uploaded_at?: number | null
  error_code?: string | null
  error_message?: string | null
}

/** An autosaved form, written on every field change. */
export interface Draft {
  id: string
  /** Which form: "visit", "inspection", ... */
  form: string
  data: unknown
  updated_at: number
}

/** A record as the server has it: pulled, or acknowledged after a push. */
export interface ServerRecord {
  id: string
  entity: string
  version: number
  data: unknown
  /** The visit or inspection a nested row belongs to. */
  parent_id?: string | null
  /** Pull generation that last confirmed it (a full resync deletes older ones). */
  gen?: number
  /** Fields of this device's last edit that the server kept as conflicts. */
  conflicts?: FieldConflict[]
}

export type RosterKind = 'talent' | 'service_center'

export interface RosterEntry {
  id: string
  kind: RosterKind
  version: number
  data: unknown
  gen?: number
}

export type ConfigEntity = 'campaign' | 'checklist_template'

/** Campaigns and checklist templates, as pulled. */
export interface ConfigEntry {
  id: string
  entity: ConfigEntity
  data: unknown
  gen?: number
}

/** Values of the key-value `meta` store. */
export interface MetaValues {
  device_id: string
  /** First release only: the device-wide next sequence number (now per user, seq_by_user). */
  next_seq: number
  /** The sequence number the next mutation of each user gets (from 1). */
  seq_by_user: Record<string, number>
  /** Opaque cursor of the last pull, as the server gave it. */
  pull_cursor: string
  /** Generation of the current (or last) full sync. */
  pull_gen: number
  /** A full sync is under way: sweep what it did not confirm once it ends. */
  full_sync_pending: boolean
  /** Whose view the pulled records, rosters and config are. */
  data_user_id: string
  /** Epoch ms of the last sync that ended without an error. */
  last_synced_at: number
}
export type MetaKey = keyof MetaValues

export interface ZoufangDB extends DBSchema {
  session: { key: SessionKey; value: SessionValues[SessionKey] }
  outbox: {
    key: string
    value: OutboxItem
    indexes: {
      by_created_at: number
      by_status: OutboxStatus
      /** v1 only (device-wide unique seq); dropped by v2. */
      by_seq: number
      by_user_seq: [string, number]
      by_entity_id: string
    }
  }
  photos: {
    key: string
    value: Photo
    indexes: {
      by_record_id: string
      by_status: PhotoStatus
      by_user: string
      by_user_status: [string, PhotoStatus, number]
      by_status_created: [PhotoStatus, number]
    }
  }
  drafts: { key: string; value: Draft; indexes: { by_updated_at: number } }
  records: { key: string; value: ServerRecord; indexes: { by_entity: string; by_parent: string } }
  rosters: { key: string; value: RosterEntry; indexes: { by_kind: RosterKind } }
  config: { key: string; value: ConfigEntry; indexes: { by_entity: ConfigEntity } }
  meta: { key: MetaKey; value: MetaValues[MetaKey] }
}

// ---------------------------------------------------------------------------
// Upgrade ladder
// ---------------------------------------------------------------------------

export type Migration = (
  db: IDBPDatabase<ZoufangDB>,
  tx: IDBPTransaction<ZoufangDB, StoreNames<ZoufangDB>[], 'versionchange'>,
) => void

/** Version 1: the first release. */
function toV1(db: IDBPDatabase<ZoufangDB>): void {
  db.createObjectStore('session')

  const outbox = db.createObjectStore('outbox', { keyPath: 'id' })
  outbox.createIndex('by_created_at', 'created_at')
  outbox.createIndex('by_status', 'status')
  outbox.createIndex('by_seq', 'seq', { unique: true })

  const photos = db.createObjectStore('photos', { keyPath: 'sha256' })
  photos.createIndex('by_record_id', 'record_id')
  photos.createIndex('by_status', 'status')

  db.createObjectStore('drafts', { keyPath: 'id' }).createIndex('by_updated_at', 'updated_at')
  db.createObjectStore('records', { keyPath: 'id' }).createIndex('by_entity', 'entity')
  db.createObjectStore('rosters', { keyPath: 'id' }).createIndex('by_kind', 'kind')
  db.createObjectStore('meta')
}

/**
 * Version 2: the sync engine. Sequence numbers become per user (a second person
 * signing in on the phone must never push the first one's records), so outbox
 * items and photos record their user; records get a parent index; campaigns and
 * templates get a `config` store. Existing items are kept and given the stored
 * session's user; the device-wide counter becomes that user's.
 */
function toV2(db: IDBPDatabase<ZoufangDB>, tx: IDBPTransaction<ZoufangDB, StoreNames<ZoufangDB>[], 'versionchange'>): void {
  const outbox = tx.objectStore('outbox')
  outbox.deleteIndex('by_seq')
  outbox.createIndex('by_user_seq', ['user_id', 'seq'], { unique: true })
  outbox.createIndex('by_entity_id', 'entity_id')
  const photos = tx.objectStore('photos')
  photos.createIndex('by_user', 'user_id')
  photos.createIndex('by_user_status', ['user_id', 'status', 'created_at'])
  photos.createIndex('by_status_created', ['status', 'created_at'])
  tx.objectStore('records').createIndex('by_parent', 'parent_id')
  db.createObjectStore('config', { keyPath: 'id' }).createIndex('by_entity', 'entity')

  const meta = tx.objectStore('meta')
  void tx
    .objectStore('session')
    .get('user')
    .then(async (stored) => {
      const userId = (stored as User | undefined)?.id ?? ''
      for (let cursor = await outbox.openCursor(); cursor; cursor = await cursor.continue()) {
        if (cursor.value.user_id === undefined) await cursor.update({ ...cursor.value, user_id: userId })
      }
      for (let cursor = await photos.openCursor(); cursor; cursor = await cursor.continue()) {
        if (cursor.value.user_id === undefined) await cursor.update({ ...cursor.value, user_id: userId })
      }
      const next = await meta.get('next_seq')
      if (typeof next === 'number' && userId !== '') await meta.put({ [userId]: next }, 'seq_by_user')
    })
}

/** Entry N upgrades version N to N + 1. Append only. */
export const MIGRATIONS: readonly Migration[] = [toV1, toV2]
export const DB_VERSION = MIGRATIONS.length

/**
 * Open the database, running every ladder step above the stored version.
 * Exported for the upgrade tests, which pass a longer ladder; the app uses getDb().
 */
export function openZoufangDb(
  migrations: readonly Migration[] = MIGRATIONS,
  onClose: () => void = () => {},
): Promise<IDBPDatabase<ZoufangDB>> {
  let opened: IDBPDatabase<ZoufangDB> | undefined
  const promise = openDB<ZoufangDB>(DB_NAME, migrations.length, {
    upgrade(db, oldVersion, _newVersion, tx) {
      for (let version = oldVersion; version < migrations.length; version++) {
        migrations[version]!(db, tx)
      }
    },
    // A newer app version in another tab wants to upgrade: step aside, or it waits forever.
    blocking() {
      opened?.close()
      onClose()
    },
    // The browser closed the connection (e.g. storage cleared).
    terminated() {
      onClose()
    },
  })
  return promise.then((db) => {
    opened = db
    return db
  })
}

let dbPromise: Promise<IDBPDatabase<ZoufangDB>> | null = null

function getDb(): Promise<IDBPDatabase<ZoufangDB>> {
  if (dbPromise === null) {
    const promise = openZoufangDb(MIGRATIONS, () => {
      if (dbPromise === promise) dbPromise = null
    })
    dbPromise = promise
    // A failed open (quota, private mode) may succeed later: do not memoise the failure.
    promise.catch(() => {
      if (dbPromise === promise) dbPromise = null
    })
  }
  return dbPromise
}

/** Close the shared connection; the next helper call reopens it. */
export async function closeDb(): Promise<void> {
  const promise = dbPromise
  dbPromise = null
  if (promise === null) return
  try {
    ;(await promise).close()
  } catch {
    // It never opened: nothing to close.
  }
}

// ---------------------------------------------------------------------------
// Change notification (this tab only; other tabs refresh when they become visible)
// ---------------------------------------------------------------------------

type Listener = () => void
const outboxListeners = new Set<Listener>()

/** Call `listener` after every committed change to the outbox. Returns an unsubscribe function. */
export function onOutboxChange(listener: Listener): () => void {
  outboxListeners.add(listener)
  return () => outboxListeners.delete(listener)
}

function notifyOutboxChange(): void {
  for (const listener of outboxListeners) listener()
}

// ---------------------------------------------------------------------------
// Session
// ---------------------------------------------------------------------------

export async function getSession(): Promise<Session> {
  const tx = (await getDb()).transaction('session')
  const [token, user, persisted] = await Promise.all([
    tx.store.get('token'),
    tx.store.get('user'),
    tx.store.get('persisted'),
    tx.done,
  ])
  return {
    token: typeof token === 'string' ? token : null,
    user: (user as User | undefined) ?? null,
    persisted: typeof persisted === 'boolean' ? persisted : null,
  }
}

/** Store a signed-in session (token and user together). */
export async function setSession(token: string, user: User): Promise<void> {
  const tx = (await getDb()).transaction('session', 'readwrite')
  await Promise.all([tx.store.put(token, 'token'), tx.store.put(user, 'user'), tx.done])
}

/** Replace the stored user (after a background /api/me refresh). */
export async function setSessionUser(user: User): Promise<void> {
  await (await getDb()).put('session', user, 'user')
}

export async function setPersisted(persisted: boolean | null): Promise<void> {
  await (await getDb()).put('session', persisted, 'persisted')
}

/** Forget the token and user. The outbox, photos and drafts stay: they are unsent work. */
export async function clearSession(): Promise<void> {
  const tx = (await getDb()).transaction('session', 'readwrite')
  await Promise.all([tx.store.delete('token'), tx.store.delete('user'), tx.done])
}

// ---------------------------------------------------------------------------
// Meta
// ---------------------------------------------------------------------------

export async function getMeta<K extends MetaKey>(key: K): Promise<MetaValues[K] | undefined> {
  return (await (await getDb()).get('meta', key)) as MetaValues[K] | undefined
}

export async function setMeta<K extends MetaKey>(key: K, value: MetaValues[K]): Promise<void> {
  await (await getDb()).put('meta', value, key)
}

/** This installation's id, made once and kept for good (sent at sign-in and with every mutation). */
export async function getDeviceId(): Promise<string> {
  // Read and write in one transaction, so two tabs starting together agree on one id.
  const tx = (await getDb()).transaction('meta', 'readwrite')
  let id = (await tx.store.get('device_id')) as string | undefined
  if (id === undefined) {
    id = newId()
    await tx.store.put(id, 'device_id')
  }
  await tx.done
  return id
}

// ---------------------------------------------------------------------------
// Outbox
// ---------------------------------------------------------------------------

/**
 * Queue mutations (in order). Each gets the next sequence number of its user,
 * taken from `meta.seq_by_user` in the same transaction as the insert, so numbers
 * have no gaps and no repeats, and a visit's put and submit are queued together or not at all.
 */
export async function enqueueMutations(mutations: readonly NewMutation[], now: number = Date.now()): Promise<OutboxItem[]> {
  const tx = (await getDb()).transaction(['outbox', 'meta'], 'readwrite')
  const meta = tx.objectStore('meta')
  const stored = (await meta.get('seq_by_user')) as Record<string, number> | undefined
  const counters = { ...(stored ?? {}) }
  const items: OutboxItem[] = mutations.map((mutation) => {
    const seq = counters[mutation.user_id] ?? 1
    counters[mutation.user_id] = seq + 1
    return {
      id: mutation.id ?? newId(),
      user_id: mutation.user_id,
      kind: mutation.kind,
      entity: mutation.entity,
      entity_id: mutation.entity_id,
      seq,
      status: 'pending',
      created_at: now,
      last_error: null,
      error_message: null,
      attempts: 0,
      payload: mutation.payload,
    }
  })
  await Promise.all([...items.map((item) => tx.objectStore('outbox').add(item)), meta.put(counters, 'seq_by_user'), tx.done])
  notifyOutboxChange()
  return items
}

export async function enqueueMutation(mutation: NewMutation, now: number = Date.now()): Promise<OutboxItem> {
  return (await enqueueMutations([mutation], now))[0]!
}

/**
 * Queued mutations: one user's in sequence order (the order the server must
 * apply them), or everyone's by age when no user is named.
 */
export async function listOutbox(userId?: string): Promise<OutboxItem[]> {
  const db = await getDb()
  if (userId === undefined) return db.getAllFromIndex('outbox', 'by_created_at')
  return db.getAllFromIndex('outbox', 'by_user_seq', IDBKeyRange.bound([userId, 0], [userId, Infinity]))
}

export async function getOutboxItem(id: string): Promise<OutboxItem | undefined> {
  return (await getDb()).get('outbox', id)
}

export interface OutboxStats {
  count: number
  /** created_at of the oldest unsynced item, or null when the outbox is empty. */
  oldestCreatedAt: number | null
}

/** How much is queued, and since when, whoever queued it. Every item in the outbox is unsynced, whatever its status. */
export async function outboxStats(): Promise<OutboxStats> {
  const tx = (await getDb()).transaction('outbox')
  const [count, oldest] = await Promise.all([
    tx.store.count(),
    tx.store.index('by_created_at').openCursor(),
  ])
  await tx.done
  return { count, oldestCreatedAt: oldest ? oldest.value.created_at : null }
}

export interface UnsyncedStats extends OutboxStats {
  /** Records with queued changes: `count` is records + photos. */
  records: number
  /** Queued mutations (a record saved and submitted has two). */
  mutations: number
  /** Photos the server does not have yet. */
  photos: number
  /** Unsynced items of other accounts on this phone (they sync when that person signs in). */
  otherUsers: number
}

/** Photo statuses that mean the server does not have the photo yet. */
export const UNSYNCED_PHOTO_STATUSES: readonly PhotoStatus[] = ['pending', 'uploading', 'rejected']

/**
 * Unsynced mutations and photos of one user (all users when `userId` is null).
 * Photos are counted through an index, so their bytes are never read here.
 */
export async function unsyncedStats(userId: string | null): Promise<UnsyncedStats> {
  const tx = (await getDb()).transaction(['outbox', 'photos'])
  const items = await tx.objectStore('outbox').getAll()
  let oldest: number | null = null
  const older = (t: number): void => {
    if (oldest === null || t < oldest) oldest = t
  }
  let mutations = 0
  let otherUsers = 0
  const records = new Set<string>()
  for (const item of items) {
    if (userId !== null && item.user_id !== userId) {
      otherUsers++
      continue
    }
    mutations++
    records.add(`${item.user_id}:${item.entity}:${item.entity_id}`)
    older(item.created_at)
  }
  let photoCount = 0
  const photos = tx.objectStore('photos')
  for (const status of UNSYNCED_PHOTO_STATUSES) {
    const all = await photos.index('by_status').count(status)
    if (userId === null) {
      photoCount += all
      const first = await photos.index('by_status_created').openKeyCursor(IDBKeyRange.bound([status, -Infinity], [status, Infinity]))
      if (first) older((first.key as [string, number])[1])
      continue
    }
    const range = IDBKeyRange.bound([userId, status, -Infinity], [userId, status, Infinity])
    const mine = await photos.index('by_user_status').count(range)
    photoCount += mine
    otherUsers += all - mine
    const first = await photos.index('by_user_status').openKeyCursor(range)
    if (first) older((first.key as [string, string, number])[2])
  }
  await tx.done
  return { count: records.size + photoCount, oldestCreatedAt: oldest, records: records.size, mutations, photos: photoCount, otherUsers }
}

/** SHA-256 of one user's photos with the given status, without reading their bytes. */
export async function photoKeys(userId: string, status: PhotoStatus): Promise<string[]> {
  const range = IDBKeyRange.bound([userId, status, -Infinity], [userId, status, Infinity])
  return (await getDb()).getAllKeysFromIndex('photos', 'by_user_status', range)
}

/** One user's photos that the server does not have yet (bytes included: few, and about to be sent). */
export async function listUnsyncedPhotos(userId: string): Promise<Photo[]> {
  const db = await getDb()
  const lists = await Promise.all(
    UNSYNCED_PHOTO_STATUSES.map((status) =>
      db.getAllFromIndex('photos', 'by_user_status', IDBKeyRange.bound([userId, status, -Infinity], [userId, status, Infinity])),
    ),
  )
  return lists.flat().sort((a, b) => a.created_at - b.created_at)
}

/** Record a send attempt's outcome on one item. */
export async function setOutboxStatus(
  id: string,
  status: OutboxStatus,
  lastError: string | null = null,
  errorMessage: string | null = null,
): Promise<void> {
  const tx = (await getDb()).transaction('outbox', 'readwrite')
  const item = await tx.store.get(id)
  if (item) await tx.store.put({ ...item, status, last_error: lastError, error_message: errorMessage })
  await tx.done
  if (item) notifyOutboxChange()
}

/** Mark items as being sent (and count the attempt). */
export async function markSending(ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return
  const tx = (await getDb()).transaction('outbox', 'readwrite')
  for (const id of ids) {
    const item = await tx.store.get(id)
    if (item) await tx.store.put({ ...item, status: 'sending', attempts: (item.attempts ?? 0) + 1 })
  }
  await tx.done
  notifyOutboxChange()
}

/** Put items that were being sent back to pending (the request failed as a whole). */
export async function markPending(ids: readonly string[], lastError: string | null, errorMessage: string | null): Promise<void> {
  if (ids.length === 0) return
  const tx = (await getDb()).transaction('outbox', 'readwrite')
  for (const id of ids) {
    const item = await tx.store.get(id)
    if (item && item.status === 'sending') {
      await tx.store.put({ ...item, status: 'pending', last_error: lastError, error_message: errorMessage })
    }
  }
  await tx.done
  notifyOutboxChange()
}

/** Remove items the server has acknowledged by id (and only those), or that the user discarded. */
export async function removeOutboxItems(ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return
  const tx = (await getDb()).transaction('outbox', 'readwrite')
  await Promise.all([...ids.map((id) => tx.store.delete(id)), tx.done])
  notifyOutboxChange()
}

/** What one push answer changes on the phone, applied in one transaction. */
export interface PushOutcome {
  /** Outbox items the server's answer named as applied, duplicate or conflict. */
  remove: string[]
  /** Items the server rejected: kept, marked, skipped from now on. */
  reject: { id: string; code: string; message: string }[]
  /** Record copies to store (kept only if not older than what is stored). */
  records: ServerRecord[]
  /** Record copies to delete (an acknowledged delete). */
  deleteRecords: string[]
  /** Photos the server says it lacks: upload (again) if this phone has them. */
  photosToUpload: string[]
}

export async function commitPushOutcome(outcome: PushOutcome): Promise<void> {
  const tx = (await getDb()).transaction(['outbox', 'records', 'photos'], 'readwrite')
  const outbox = tx.objectStore('outbox')
  const records = tx.objectStore('records')
  const photos = tx.objectStore('photos')
  for (const id of outcome.remove) await outbox.delete(id)
  for (const { id, code, message } of outcome.reject) {
    const item = await outbox.get(id)
    if (item) await outbox.put({ ...item, status: 'rejected', last_error: code, error_message: message })
  }
  for (const record of outcome.records) {
    const stored = await records.get(record.id)
    if (!stored || stored.version <= record.version) await records.put(record)
  }
  for (const id of outcome.deleteRecords) await records.delete(id)
  for (const sha256 of outcome.photosToUpload) {
    const photo = await photos.get(sha256)
    if (photo && photo.status === 'uploaded') await photos.put({ ...photo, status: 'pending', uploaded_at: null })
  }
  await tx.done
  notifyOutboxChange()
  notifyDataChange()
}

// ---------------------------------------------------------------------------
// Photos
// ---------------------------------------------------------------------------

export async function putPhoto(photo: Photo): Promise<void> {
  await (await getDb()).put('photos', photo)
  notifyOutboxChange()
}

/** Store a photo unless the same bytes are already stored; returns what is stored. */
export async function addPhoto(photo: Photo): Promise<Photo> {
  const tx = (await getDb()).transaction('photos', 'readwrite')
  const stored = await tx.store.get(photo.sha256)
  if (!stored) await tx.store.put(photo)
  await tx.done
  if (!stored) notifyOutboxChange()
  return stored ?? photo
}

export async function getPhoto(sha256: string): Promise<Photo | undefined> {
  return (await getDb()).get('photos', sha256)
}

export async function listPhotosForRecord(recordId: string): Promise<Photo[]> {
  return (await getDb()).getAllFromIndex('photos', 'by_record_id', recordId)
}

/**
 * Change some fields of a stored photo (no-op if it is gone). Listeners hear of
 * a change of status only: byte progress is shown from the sync state, so a
 * screen listing photos does not re-read them after every chunk.
 */
export async function updatePhoto(sha256: string, patch: Partial<Omit<Photo, 'sha256' | 'bytes'>>): Promise<void> {
  const tx = (await getDb()).transaction('photos', 'readwrite')
  const photo = await tx.store.get(sha256)
  if (photo) await tx.store.put({ ...photo, ...patch })
  await tx.done
  if (photo && patch.status !== undefined && patch.status !== photo.status) notifyOutboxChange()
}

/**
 * Delete a photo unless a queued mutation refers to it (`refersTo` inspects each
 * item's payload); checked and deleted in one transaction. Returns whether it was deleted.
 */
export async function deletePhotoUnlessQueued(sha256: string, refersTo: (item: OutboxItem) => boolean): Promise<boolean> {
  const tx = (await getDb()).transaction(['outbox', 'photos'], 'readwrite')
  const items = await tx.objectStore('outbox').getAll()
  const queued = items.some(refersTo)
  if (!queued) await tx.objectStore('photos').delete(sha256)
  await tx.done
  if (!queued) notifyOutboxChange()
  return !queued
}

/** Delete a photo whatever refers to it (the user gave up a photo the server refused). */
export async function deletePhoto(sha256: string): Promise<void> {
  await (await getDb()).delete('photos', sha256)
  notifyOutboxChange()
}

/**
 * Free space: forget the bytes of photos the server has had since before
 * `takenBefore` (by capture time) that no queued mutation needs. Walks an index
 * of keys, so no photo's bytes are read.
 */
export async function pruneUploadedPhotos(takenBefore: number, refersTo: (item: OutboxItem, sha256: string) => boolean): Promise<number> {
  const tx = (await getDb()).transaction(['outbox', 'photos'], 'readwrite')
  const items = await tx.objectStore('outbox').getAll()
  const photos = tx.objectStore('photos')
  const range = IDBKeyRange.bound(['uploaded', -Infinity], ['uploaded', takenBefore], false, true)
  const doomed: string[] = []
  for (let cursor = await photos.index('by_status_created').openKeyCursor(range); cursor; cursor = await cursor.continue()) {
    const sha256 = cursor.primaryKey
    if (!items.some((item) => refersTo(item, sha256))) doomed.push(sha256)
  }
  for (const sha256 of doomed) await photos.delete(sha256)
  await tx.done
  return doomed.length
}

// ---------------------------------------------------------------------------
// Drafts
// ---------------------------------------------------------------------------

export async function saveDraft(id: string, form: string, data: unknown, now: number = Date.now()): Promise<Draft> {
  const draft: Draft = { id, form, data, updated_at: now }
  await (await getDb()).put('drafts', draft)
  return draft
}

export async function getDraft(id: string): Promise<Draft | undefined> {
  return (await getDb()).get('drafts', id)
}

/** Drafts, most recently edited first. */
export async function listDrafts(): Promise<Draft[]> {
  return (await (await getDb()).getAllFromIndex('drafts', 'by_updated_at')).reverse()
}

export async function deleteDraft(id: string): Promise<void> {
  await (await getDb()).delete('drafts', id)
}

// ---------------------------------------------------------------------------
// Server records, rosters and config (pulled)
// ---------------------------------------------------------------------------

const dataListeners = new Set<Listener>()

/** Call `listener` after pulled or acknowledged records, rosters or config change. */
export function onDataChange(listener: Listener): () => void {
  dataListeners.add(listener)
  return () => dataListeners.delete(listener)
}

function notifyDataChange(): void {
  for (const listener of dataListeners) listener()
}

/** Store records in one transaction (all or none). */
export async function putRecords(records: readonly ServerRecord[]): Promise<void> {
  const tx = (await getDb()).transaction('records', 'readwrite')
  await Promise.all([...records.map((record) => tx.store.put(record)), tx.done])
  notifyDataChange()
}

export async function getRecord(id: string): Promise<ServerRecord | undefined> {
  return (await getDb()).get('records', id)
}

export async function listRecords(entity: string): Promise<ServerRecord[]> {
  return (await getDb()).getAllFromIndex('records', 'by_entity', entity)
}

/** Nested rows (demands, item results, rectifications) of a visit or inspection. */
export async function listChildRecords(parentId: string): Promise<ServerRecord[]> {
  return (await getDb()).getAllFromIndex('records', 'by_parent', parentId)
}

export async function putRosterEntries(entries: readonly RosterEntry[]): Promise<void> {
  const tx = (await getDb()).transaction('rosters', 'readwrite')
  await Promise.all([...entries.map((entry) => tx.store.put(entry)), tx.done])
  notifyDataChange()
}

export async function listRoster(kind: RosterKind): Promise<RosterEntry[]> {
  return (await getDb()).getAllFromIndex('rosters', 'by_kind', kind)
}

export async function getRosterEntry(id: string): Promise<RosterEntry | undefined> {
  return (await getDb()).get('rosters', id)
}

export async function listConfig(entity: ConfigEntity): Promise<ConfigEntry[]> {
  return (await getDb()).getAllFromIndex('config', 'by_entity', entity)
}

/** One page of a pull, applied together with the cursor that follows it (all or none). */
export interface PullPage {
  records: ServerRecord[]
  rosters: RosterEntry[]
  config: ConfigEntry[]
  /** Tombstones: deleted (or no longer visible) by id; `version` null deletes whatever is stored. */
  deletes: { id: string; version: number | null }[]
  /** The cursor to continue from; null keeps none (pull from the start next time). */
  cursor: string | null
}

export async function applyPullPage(page: PullPage): Promise<void> {
  const tx = (await getDb()).transaction(['records', 'rosters', 'config', 'meta'], 'readwrite')
  const records = tx.objectStore('records')
  for (const record of page.records) {
    const stored = await records.get(record.id)
    // The server's copy wins unless this phone already holds a newer acknowledged version;
    // the conflicts of this device's last edit stay shown until the record moves on.
    if (!stored) await records.put(record)
    else if (stored.version < record.version) await records.put(record)
    else if (stored.version === record.version) await records.put({ ...record, conflicts: stored.conflicts })
  }
  for (const entry of page.rosters) await tx.objectStore('rosters').put(entry)
  for (const entry of page.config) await tx.objectStore('config').put(entry)
  for (const { id, version } of page.deletes) {
    const stored = await records.get(id)
    if (stored && (version === null || stored.version <= version)) await records.delete(id)
    await tx.objectStore('rosters').delete(id)
    await tx.objectStore('config').delete(id)
  }
  const meta = tx.objectStore('meta')
  if (page.cursor === null) await meta.delete('pull_cursor')
  else await meta.put(page.cursor, 'pull_cursor')
  await tx.done
  notifyDataChange()
}

/**
 * End of a full sync: delete pulled copies that it did not confirm (generation
 * below `gen`), except ids in `keep` (records with unsynced changes).
 */
export async function sweepUnconfirmed(gen: number, keep: ReadonlySet<string>): Promise<number> {
  const tx = (await getDb()).transaction(['records', 'rosters', 'config', 'meta'], 'readwrite')
  let swept = 0
  for (const name of ['records', 'rosters', 'config'] as const) {
    for (let cursor = await tx.objectStore(name).openCursor(); cursor; cursor = await cursor.continue()) {
      const value = cursor.value as { id: string; gen?: number; parent_id?: string | null }
      if ((value.gen ?? 0) < gen && !keep.has(value.id) && !(value.parent_id && keep.has(value.parent_id))) {
        await cursor.delete()
        swept++
      }
    }
  }
  await tx.objectStore('meta').put(false, 'full_sync_pending')
  await tx.done
  notifyDataChange()
  return swept
}

/** Start a full sync: a new generation, no cursor. Returns the generation. */
export async function beginFullSync(): Promise<number> {
  const tx = (await getDb()).transaction('meta', 'readwrite')
  const gen = (((await tx.store.get('pull_gen')) as number | undefined) ?? 0) + 1
  await Promise.all([
    tx.store.put(gen, 'pull_gen'),
    tx.store.put(true, 'full_sync_pending'),
    tx.store.delete('pull_cursor'),
    tx.done,
  ])
  return gen
}

/**
 * Another person signed in: forget the pulled records, rosters and config (they
 * were what the previous person may see) and the pull cursor. The outbox, photos
 * and drafts stay: they are unsent work.
 */
export async function resetPulledData(userId: string): Promise<void> {
  const tx = (await getDb()).transaction(['records', 'rosters', 'config', 'meta'], 'readwrite')
  await Promise.all([
    tx.objectStore('records').clear(),
    tx.objectStore('rosters').clear(),
    tx.objectStore('config').clear(),
    tx.objectStore('meta').delete('pull_cursor'),
    tx.objectStore('meta').put(false, 'full_sync_pending'),
    tx.objectStore('meta').put(userId, 'data_user_id'),
    tx.done,
  ])
  notifyDataChange()
}

export async function deleteMeta(key: MetaKey): Promise<void> {
  await (await getDb()).delete('meta', key)
}
