/**
 * Pull: page through the changes after the stored cursor and apply each page
 * together with the cursor that follows it. A pull from no cursor is a full
 * sync: every record it returns is stamped with a new generation, and at its end
 * pulled copies it did not return are deleted (unless they have unsynced changes).
 */
import type { Change, SyncRecord } from '../../shared/protocol'
import { PROTOCOL_VERSION } from '../../shared/protocolVersion'
import * as db from '../storage'
import type { SyncContext } from './context'
import { SyncStop } from './errors'
import * as transport from './transport'

export const PULL_LIMIT = 500
/** A guard against a server that keeps saying has_more. */
const MAX_PAGES = 10_000

const PARENT: Partial<Record<SyncRecord['entity'], string>> = {
  demand: 'visit_id',
  inspection_item_result: 'inspection_id',
  rectification: 'inspection_id',
}

/** Where each change goes on the phone. */
export function pageFrom(changes: readonly Change[], cursor: string | null, gen: number): db.PullPage {
  const page: db.PullPage = { records: [], rosters: [], config: [], deletes: [], cursor }
  for (const change of changes) {
    if (change.op === 'delete') {
      page.deletes.push({ id: change.id, version: change.version })
      continue
    }
    const record = change.record
    switch (record.entity) {
      case 'campaign':
      case 'checklist_template':
        page.config.push({ id: record.id, entity: record.entity, data: record, gen })
        break
      case 'talent':
      case 'service_center':
        page.rosters.push({ id: record.id, kind: record.entity, version: change.change_seq, data: record, gen })
        break
      default: {
        const parentKey = PARENT[record.entity]
        const parent = parentKey ? (record as unknown as Record<string, unknown>)[parentKey] : null
        page.records.push({
          id: record.id,
          entity: record.entity,
          version: record.version,
          data: record,
          parent_id: typeof parent === 'string' ? parent : null,
          gen,
        })
      }
    }
  }
  return page
}

export async function pullAll(ctx: SyncContext): Promise<void> {
  // The pulled copies are what one person may see: another person starts afresh.
  const owner = await db.getMeta('data_user_id')
  if (owner === undefined) await db.setMeta('data_user_id', ctx.userId)
  else if (owner !== ctx.userId) await db.resetPulledData(ctx.userId)

  let cursor: string | null = (await db.getMeta('pull_cursor')) ?? null
  let full = (await db.getMeta('full_sync_pending')) === true
  let gen = (await db.getMeta('pull_gen')) ?? 0
  if (cursor === null && !full) {
    gen = await db.beginFullSync()
    full = true
  }
  let resets = 0
  let received = 0
  let complete = false
  for (let pages = 0; pages < MAX_PAGES; pages++) {
    const response = await transport.pull(ctx.token, {
      protocol_version: PROTOCOL_VERSION,
      cursor,
      limit: PULL_LIMIT,
      device_time: new Date().toISOString(),
    })
    ctx.clockSkew(response.clock_skew_warning)
    if (response.reset_required) {
      // The cursor is older than the server keeps deletions: start a full sync.
      if (++resets > 2) throw new SyncStop('retry', 'sync.stuck')
      gen = await db.beginFullSync()
      full = true
      cursor = null
      continue
    }
    if (response.has_more && response.changes.length === 0 && response.cursor === cursor) {
      throw new SyncStop('retry', 'sync.stuck') // the server says "more" but moves nowhere
    }
    await db.applyPullPage(pageFrom(response.changes, response.cursor, gen))
    received += response.changes.length
    ctx.progress(received, 0)
    cursor = response.cursor
    if (!response.has_more) {
      complete = true
      break
    }
  }
  if (full && complete) {
    // Keep records with unsynced changes: the server may not have them yet.
    const keep = new Set((await db.listOutbox()).map((item) => item.entity_id))
    await db.sweepUnconfirmed(gen, keep)
  }
}
