/**
 * "导出未同步数据": the last resort when sync never works. A JSON file with every
 * unsynced mutation of the signed-in user (as protocol mutations, with their
 * mutation ids and sequence numbers, so an administrator's tool can push them
 * exactly once) and every photo the server does not have (base64).
 */
import { PROTOCOL_VERSION } from '../../shared/protocolVersion'
import { session } from '../auth/session'
import * as db from '../storage'
import { toMutation } from './push'

export const EXPORT_FORMAT = 'zoufang.unsent'
export const EXPORT_VERSION = 1

export function base64(bytes: ArrayBuffer): string {
  const view = new Uint8Array(bytes)
  let binary = ''
  for (let i = 0; i < view.length; i += 0x8000) {
    binary += String.fromCharCode(...view.subarray(i, i + 0x8000))
  }
  return btoa(binary)
}

export interface UnsentExport {
  format: typeof EXPORT_FORMAT
  version: typeof EXPORT_VERSION
  protocol_version: string
  exported_at: string
  device_id: string
  user: { id: string; username: string; display_name: string } | null
  mutations: {
    mutation: ReturnType<typeof toMutation>
    status: db.OutboxStatus
    queued_at: string
    error: { code: string; message: string } | null
  }[]
  photos: {
    sha256: string
    mime: string
    size: number
    record_id: string
    status: db.PhotoStatus
    taken_at: string
    base64: string
  }[]
}

export async function buildUnsentExport(): Promise<UnsentExport> {
  const user = session.user
  const userId = user?.id ?? ''
  const [items, photos, deviceId] = await Promise.all([db.listOutbox(userId), db.listUnsyncedPhotos(userId), db.getDeviceId()])
  return {
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    protocol_version: PROTOCOL_VERSION,
    exported_at: new Date().toISOString(),
    device_id: deviceId,
    user: user ? { id: user.id, username: user.username, display_name: user.display_name } : null,
    mutations: items.map((item) => ({
      mutation: toMutation(item),
      status: item.status,
      queued_at: new Date(item.created_at).toISOString(),
      error: item.last_error ? { code: item.last_error, message: item.error_message ?? '' } : null,
    })),
    photos: photos.map((p) => ({
      sha256: p.sha256,
      mime: p.mime,
      size: p.size,
      record_id: p.record_id,
      status: p.status,
      taken_at: new Date(p.created_at).toISOString(),
      base64: base64(p.bytes),
    })),
  }
}

/** The export as a file to save or share. */
export async function exportUnsent(): Promise<Blob> {
  return new Blob([JSON.stringify(await buildUnsentExport(), null, 1)], { type: 'application/json' })
}
