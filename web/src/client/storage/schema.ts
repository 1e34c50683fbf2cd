/**
 * The app's IndexedDB database: its name, version, upgrade ladder and the one
 * shared connection. Only the modules of this folder (storage/) open it: every
 * other module reads and writes through their helpers, so the database's stores
 * and indexes are defined in one place (a test keeps `idb` imports in here).
 *
 * Schema changes are an upgrade ladder (MIGRATIONS): entry N takes the database
 * from version N to N + 1. Append steps; never edit or remove a released one and
 * never drop a store that can hold user data (an unsynced record must survive
 * every app update).
 */
import { openDB, type IDBPDatabase, type IDBPTransaction, type StoreNames } from 'idb'

import type { User } from '../api'
import type { ZoufangDB } from './types'

export const DB_NAME = 'zoufang'

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

/** The shared connection, opened on first use (and again after the browser closed it). */
export function getDb(): Promise<IDBPDatabase<ZoufangDB>> {
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
