/**
 * Photo upload: idempotent by content hash and resumable. Each photo starts
 * with a HEAD (what does the server hold?), then sends only the bytes after
 * `received`, in chunks, so an interrupted upload never resends acknowledged
 * bytes and a slow link makes progress chunk by chunk.
 */
import { ApiError } from '../http'
import * as db from '../storage'
import type { SyncContext } from './context'
import { stopFor } from './errors'
import { syncErrorMessage } from './messages'
import { sha256Hex } from './sha256'
import * as transport from './transport'

/** Bytes per request: a typical 150–400 KB photo goes in one or two. */
export const CHUNK_BYTES = 256 * 1024
/** Requests per photo per run without progress before waiting for the next run. */
const MAX_STALLS = 3

/** Errors after which sending the same bytes again cannot succeed. */
const FINAL_CODES = new Set([
  'payload.too_large',
  'media.unsupported_type',
  'media.length_mismatch',
  'media.invalid_hash',
  'media.invalid_range',
])

async function reject(photo: db.Photo, code: string): Promise<void> {
  await db.updatePhoto(photo.sha256, { status: 'rejected', error_code: code, error_message: syncErrorMessage(code) })
}

async function uploaded(photo: db.Photo): Promise<void> {
  await db.updatePhoto(photo.sha256, {
    status: 'uploaded',
    uploaded_bytes: photo.size,
    uploaded_at: Date.now(),
    error_code: null,
    error_message: null,
  })
}

/** Upload one photo; resolves when the server has all of it or has refused it for good. */
export async function uploadPhoto(ctx: SyncContext, photo: db.Photo, onBytes: (sent: number) => void): Promise<void> {
  const held = await transport.probeMedia(ctx.token, photo.sha256)
  if (held?.complete) return uploaded(photo)
  if (held && held.size !== photo.size) return reject(photo, 'media.length_mismatch')
  let offset = held?.received ?? 0
  let stalls = 0
  while (offset < photo.size) {
    await db.updatePhoto(photo.sha256, { status: 'uploading', uploaded_bytes: offset })
    const end = Math.min(photo.size, offset + CHUNK_BYTES)
    let answer
    try {
      answer = await transport.uploadChunk(ctx.token, photo.sha256, photo.mime, photo.bytes.slice(offset, end), offset, photo.size)
    } catch (error) {
      if (error instanceof ApiError && error.code === 'media.offset_mismatch') {
        const at = error.details['expected_offset']
        if (typeof at === 'number' && at >= 0 && at <= photo.size && ++stalls < MAX_STALLS) {
          offset = at // continue where the server really is
          continue
        }
      }
      if (error instanceof ApiError && FINAL_CODES.has(error.code)) return reject(photo, error.code)
      if (error instanceof ApiError && error.code === 'media.hash_mismatch') {
        // The server kept nothing. Bytes damaged here can never match; damaged on the way, try again once.
        const intact = (await sha256Hex(photo.bytes)) === photo.sha256
        if (!intact || photo.error_code === 'media.hash_mismatch') return reject(photo, error.code)
        await db.updatePhoto(photo.sha256, { status: 'pending', uploaded_bytes: 0, error_code: error.code, error_message: null })
        throw stopFor(error)
      }
      const stop = stopFor(error)
      await db.updatePhoto(photo.sha256, { status: 'pending', error_code: stop.code, error_message: null })
      throw stop
    }
    if (answer.complete) return uploaded(photo)
    if (answer.received <= offset && ++stalls >= MAX_STALLS) {
      await db.updatePhoto(photo.sha256, { status: 'pending', uploaded_bytes: answer.received })
      return // no progress: the next run starts again from a HEAD
    }
    onBytes(answer.received - offset)
    offset = answer.received
  }
  // Every byte acknowledged but not marked complete (a concurrent upload finished it): ask again.
  const final = await transport.probeMedia(ctx.token, photo.sha256)
  if (final?.complete) await uploaded(photo)
  else await db.updatePhoto(photo.sha256, { status: 'pending', uploaded_bytes: final?.received ?? 0 })
}

/** Upload every photo of the signed-in user that the server does not have yet, oldest first. */
export async function uploadAll(ctx: SyncContext): Promise<void> {
  const photos = (await db.listUnsyncedPhotos(ctx.userId)).filter((p) => p.status !== 'rejected')
  const total = photos.reduce((sum, p) => sum + p.size, 0)
  let done = 0
  ctx.progress(0, total)
  for (const photo of photos) {
    const before = done
    await uploadPhoto(ctx, photo, (sent) => ctx.progress((done += sent), total))
    done = before + photo.size
    ctx.progress(done, total)
  }
}
