/**
 * The sync module's public API: what the field screens code against.
 *
 * Records are queued as protocol mutations (./queue.ts) and photos kept by
 * content hash; the engine (./engine.ts) pushes, uploads and pulls; screens read
 * rosters, config and "my records" from the phone (./local.ts). Nothing here
 * needs the network: offline work never waits for the server.
 */
export { requestSync, startSync } from './engine'
export {
  countAwaitingReview,
  getMyRecord,
  getReviewRecord,
  getServiceCenter,
  getTalent,
  listCampaigns,
  listChecklistTemplates,
  listMyRecords,
  listReviewRecords,
  ownerOf,
  listServiceCenters,
  listTalents,
} from './local'
export { discardPhoto, photoBytes, queueInspection, queueVisit, savePhoto } from './queue'
export { syncState } from './state'
export type * from './types'

/**
 * "导出未同步数据" (Outbox screen only): loaded on demand, so the field screens,
 * which share this module, do not carry it.
 */
export async function exportUnsent(): Promise<Blob> {
  return (await import('./exportUnsent')).exportUnsent()
}
