/**
 * The shapes of what the app keeps in IndexedDB: one interface per store's values,
 * and the typed schema (ZoufangDB) that idb checks every read and write against.
 */
import type { DBSchema } from 'idb'

import type { FieldConflict } from '../../shared/protocol'
import type { User } from '../api'

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
