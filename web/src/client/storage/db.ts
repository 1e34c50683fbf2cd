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

/** A local change waiting for the server's acknowledgement. Deleted only once acknowledged. */
export interface OutboxItem {
  /** Mutation id (UUID), made on the phone; the server treats a replay as a no-op. */
  id: string
  /** Operation name, e.g. "visit.save". */
  kind: string
  /** Entity type from the glossary: "visit", "inspection", "demand", ... */
  entity: string
  entity_id: string
  /** Per-device mutation sequence, allocated in the same transaction as the insert. */
  seq: number
  status: OutboxStatus
  /** Epoch ms on the phone's clock: for display only, never for ordering. */
  created_at: number
  /** Error code (and text) of the last failed attempt, if any. */
  last_error: string | null
  payload: unknown
}

/** What a caller supplies; the module fills in seq, status, created_at and last_error. */
export interface NewMutation {
  id?: string
  kind: string
  entity: string
  entity_id: string
  payload: unknown
}

export type PhotoStatus = 'pending' | 'uploading' | 'uploaded' | 'rejected'

/** A compressed photo kept until the server has all of it. */
export interface Photo {
  /** SHA-256 (hex) of `bytes`: the key, and the upload's idempotency key. */
  sha256: string
  record_id: string
  mime: string
  /** Raw bytes; never a Blob (WebKit loses Blobs stored in IndexedDB). */
  bytes: ArrayBuffer
  size: number
  status: PhotoStatus
  uploaded_bytes: number
  created_at: number
}

/** An autosaved form, written on every field change. */
export interface Draft {
  id: string
  /** Which form: "visit", "inspection", ... */
  form: string
  data: unknown
  updated_at: number
}

/** A record pulled from the server. */
export interface ServerRecord {
  id: string
  entity: string
  version: number
  data: unknown
}

export type RosterKind = 'talent' | 'service_center'

export interface RosterEntry {
  id: string
  kind: RosterKind
  version: number
  data: unknown
}

/** Values of the key-value `meta` store. */
export interface MetaValues {
  device_id: string
  /** The sequence number the next mutation gets (starts at 1). */
  next_seq: number
  /** Opaque cursor of the last pull, as the server gave it. */
  pull_cursor: string
}
export type MetaKey = keyof MetaValues

export interface ZoufangDB extends DBSchema {
  session: { key: SessionKey; value: SessionValues[SessionKey] }
  outbox: {
    key: string
    value: OutboxItem
    indexes: { by_created_at: number; by_status: OutboxStatus; by_seq: number }
  }
  photos: {
    key: string
    value: Photo
    indexes: { by_record_id: string; by_status: PhotoStatus }
  }
  drafts: { key: string; value: Draft; indexes: { by_updated_at: number } }
  records: { key: string; value: ServerRecord; indexes: { by_entity: string } }
  rosters: { key: string; value: RosterEntry; indexes: { by_kind: RosterKind } }
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

/** Entry N upgrades version N to N + 1. Append only. */
export const MIGRATIONS: readonly Migration[] = [toV1]
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
 * Queue a mutation. Its sequence number is taken from `meta.next_seq` in the
 * same transaction as the insert, so numbers have no gaps and no repeats.
 */
export async function enqueueMutation(mutation: NewMutation, now: number = Date.now()): Promise<OutboxItem> {
  const tx = (await getDb()).transaction(['outbox', 'meta'], 'readwrite')
  const meta = tx.objectStore('meta')
  const stored = await meta.get('next_seq')
  const seq = typeof stored === 'number' ? stored : 1
  const item: OutboxItem = {
    id: mutation.id ?? newId(),
    kind: mutation.kind,
    entity: mutation.entity,
    entity_id: mutation.entity_id,
    seq,
    status: 'pending',
    created_at: now,
    last_error: null,
    payload: mutation.payload,
  }
  await Promise.all([tx.objectStore('outbox').add(item), meta.put(seq + 1, 'next_seq'), tx.done])
  notifyOutboxChange()
  return item
}

/** All queued mutations in sequence order (the order the server must apply them). */
export async function listOutbox(): Promise<OutboxItem[]> {
  return (await getDb()).getAllFromIndex('outbox', 'by_seq')
}

export interface OutboxStats {
  count: number
  /** created_at of the oldest unsynced item, or null when the outbox is empty. */
  oldestCreatedAt: number | null
}

/** How much is unsynced, and since when. Every item in the outbox is unsynced, whatever its status. */
export async function outboxStats(): Promise<OutboxStats> {
  const tx = (await getDb()).transaction('outbox')
  const [count, oldest] = await Promise.all([
    tx.store.count(),
    tx.store.index('by_created_at').openCursor(),
  ])
  await tx.done
  return { count, oldestCreatedAt: oldest ? oldest.value.created_at : null }
}

/** Record a send attempt's outcome on one item. */
export async function setOutboxStatus(id: string, status: OutboxStatus, lastError: string | null = null): Promise<void> {
  const tx = (await getDb()).transaction('outbox', 'readwrite')
  const item = await tx.store.get(id)
  if (item) await tx.store.put({ ...item, status, last_error: lastError })
  await tx.done
  if (item) notifyOutboxChange()
}

/** Remove items the server has acknowledged by id (and only those). */
export async function removeOutboxItems(ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return
  const tx = (await getDb()).transaction('outbox', 'readwrite')
  await Promise.all([...ids.map((id) => tx.store.delete(id)), tx.done])
  notifyOutboxChange()
}

// ---------------------------------------------------------------------------
// Photos
// ---------------------------------------------------------------------------

export async function putPhoto(photo: Photo): Promise<void> {
  await (await getDb()).put('photos', photo)
}

export async function getPhoto(sha256: string): Promise<Photo | undefined> {
  return (await getDb()).get('photos', sha256)
}

export async function listPhotosForRecord(recordId: string): Promise<Photo[]> {
  return (await getDb()).getAllFromIndex('photos', 'by_record_id', recordId)
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
// Server records and rosters
// ---------------------------------------------------------------------------

/** Store pulled records in one transaction (all or none). */
export async function putRecords(records: readonly ServerRecord[]): Promise<void> {
  const tx = (await getDb()).transaction('records', 'readwrite')
  await Promise.all([...records.map((record) => tx.store.put(record)), tx.done])
}

export async function getRecord(id: string): Promise<ServerRecord | undefined> {
  return (await getDb()).get('records', id)
}

export async function putRosterEntries(entries: readonly RosterEntry[]): Promise<void> {
  const tx = (await getDb()).transaction('rosters', 'readwrite')
  await Promise.all([...entries.map((entry) => tx.store.put(entry)), tx.done])
}

export async function listRoster(kind: RosterKind): Promise<RosterEntry[]> {
  return (await getDb()).getAllFromIndex('rosters', 'by_kind', kind)
}
