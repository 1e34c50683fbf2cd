/**
 * The outbox: local changes waiting for the server's acknowledgement, with
 * per-user sequence numbers, and what a push answer changes on the phone.
 */
import { newId } from '../../shared/ids'
import { notifyDataChange, notifyOutboxChange } from './changes'
import { UNSYNCED_PHOTO_STATUSES } from './photos'
import { getDb } from './schema'
import type { NewMutation, OutboxItem, OutboxStatus, ServerRecord } from './types'


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

/** Queue one mutation (see enqueueMutations). */
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

/** One queued mutation, if it is still queued. */
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

/** Apply what one push answer changes on the phone, in one transaction. */
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

