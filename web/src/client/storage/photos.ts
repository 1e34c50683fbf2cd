/** Compressed photos, keyed by SHA-256, kept until the server has all of each. */
import { notifyOutboxChange } from './changes'
import { getDb } from './schema'
import type { OutboxItem, Photo, PhotoStatus } from './types'

/** Photo statuses that mean the server does not have the photo yet. */
export const UNSYNCED_PHOTO_STATUSES: readonly PhotoStatus[] = ['pending', 'uploading', 'rejected']

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

/** Store a photo, replacing what is stored under its hash. */
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

/** One photo by its SHA-256, bytes included. */
export async function getPhoto(sha256: string): Promise<Photo | undefined> {
  return (await getDb()).get('photos', sha256)
}

/** The photos kept for one record. */
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

