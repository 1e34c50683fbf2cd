/**
 * Types of the sync module's public API (re-exported by ./index.ts).
 */
import type {
  CampaignRecord,
  ChecklistTemplateRecord,
  DemandRecord,
  FieldConflict,
  InspectionIn,
  InspectionRecord,
  ItemResultRecord,
  RecordStatus,
  RectificationRecord,
  ServiceCenterRecord,
  TalentRecord,
  VisitIn,
  VisitRecord,
} from '../../shared/protocol'

export type {
  CampaignItem,
  CampaignRecord,
  ChecklistItemRecord,
  ChecklistTemplateRecord,
  DemandCategory,
  DemandIn,
  DemandRecord,
  InspectionIn,
  InspectionRecord,
  ItemResultIn,
  ItemResultRecord,
  ItemResultValue,
  RecordStatus,
  RectificationIn,
  RectificationRecord,
  RectificationStatus,
  ServiceCenterRecord,
  TalentRecord,
  VisitIn,
  VisitMode,
  VisitRecord,
} from '../../shared/protocol'

/** A photo kept on the phone, named by the SHA-256 (hex) of its bytes. */
export interface PhotoRef {
  sha256: string
  mime: string
  size: number
}

export type SyncPhase = 'idle' | 'pushing' | 'uploading' | 'pulling'

export interface SyncError {
  code: string
  /** zh-CN, says what to do. */
  message: string
}

export interface SyncState {
  running: boolean
  phase: SyncPhase
  /** Of the current phase: mutations while pushing, bytes while uploading, changes while pulling (total 0: unknown). */
  progress: { done: number; total: number }
  /** Unsynced mutations and photos of the signed-in user. */
  pendingCount: number
  /** Epoch ms (phone clock) of the oldest unsynced item; null when nothing waits. */
  oldestPendingAt: number | null
  /** Epoch ms of the last sync that finished without error. */
  lastSyncedAt: number | null
  lastError: SyncError | null
  /** The server answered 401: sync is paused until the user signs in again. */
  needsSignIn: boolean
  /** The phone's clock is more than 5 minutes off the server's. */
  clockSkewWarning: boolean
}

export interface TalentListItem extends TalentRecord {
  /** Latest visited_on of any visit to this talent known on the phone (local or pulled). */
  last_visited_on: string | null
}

export interface ServiceCenterListItem extends ServiceCenterRecord {
  /** Latest inspected_on of any inspection of this centre known on the phone. */
  last_inspected_on: string | null
}

/**
 * Where a record stands between the phone and the server:
 * `pending` queued, `sending` in flight, `rejected` the server refused it (see error),
 * `conflict` applied with field conflicts kept for a person, `synced` nothing left to send.
 */
export type RecordSyncStatus = 'pending' | 'sending' | 'rejected' | 'conflict' | 'synced'

/** A photo a record expects, and where its bytes stand. */
export interface PhotoSyncInfo {
  sha256: string
  /** Known when the bytes are (or were) on this phone. */
  mime: string | null
  size: number | null
  /**
   * `pending`/`uploading` bytes on the phone, not yet all on the server; `uploaded` the server has them;
   * `rejected` the server refused them (see error); `missing` the server lacks them and this phone has no copy.
   */
  status: 'pending' | 'uploading' | 'uploaded' | 'rejected' | 'missing'
  /** Bytes the server has acknowledged. */
  uploaded_bytes: number
  error: SyncError | null
  /** The bytes are on this phone (photoBytes() can show them). */
  local: boolean
}

interface MyRecordBase {
  id: string
  /** Review status (draft/submitted/approved/returned) as far as the phone knows. */
  status: RecordStatus
  /** The reviewer's comment when returned or approved. */
  review_comment: string
  /** Server version; 0 when the server has never acknowledged it. */
  version: number
  sync: RecordSyncStatus
  /** Why the last send failed (rejected/conflict), in Chinese. */
  sync_error: SyncError | null
  /** Fields of this phone's last edit that the server kept as conflicts (its value stands). */
  conflicts: FieldConflict[]
  /** Epoch ms the oldest unsynced change to it was queued; null when synced. */
  queued_at: number | null
  photos: PhotoSyncInfo[]
  /** The server's record as last pulled; null when only the phone has it. */
  server: VisitRecord | InspectionRecord | null
}

export interface MyVisit extends MyRecordBase {
  entity: 'visit'
  /** The record as an editable whole: the latest local edit, else the server's copy. */
  data: VisitIn
  server: VisitRecord | null
  /** The server's demand rows (status, handler, due date), when pulled. */
  demand_records: DemandRecord[]
}

export interface MyInspection extends MyRecordBase {
  entity: 'inspection'
  data: InspectionIn
  server: InspectionRecord | null
  item_result_records: ItemResultRecord[]
  rectification_records: RectificationRecord[]
  /** Server's total, or the sum of local item scores. */
  total_score: number
}

export type MyRecord = MyVisit | MyInspection

export type { CampaignRecord as Campaign, ChecklistTemplateRecord as ChecklistTemplate }
