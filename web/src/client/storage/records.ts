/**
 * What the server has: records pulled or acknowledged, rosters and config, and
 * the bookkeeping of pulls (pages with their cursor, full syncs and their sweep).
 */
import { notifyDataChange } from './changes'
import { getDb } from './schema'
import type { ConfigEntity, ConfigEntry, RosterEntry, RosterKind, ServerRecord } from './types'

/** Store records in one transaction (all or none). */
export async function putRecords(records: readonly ServerRecord[]): Promise<void> {
  const tx = (await getDb()).transaction('records', 'readwrite')
  await Promise.all([...records.map((record) => tx.store.put(record)), tx.done])
  notifyDataChange()
}

/** One record as the server has it. */
export async function getRecord(id: string): Promise<ServerRecord | undefined> {
  return (await getDb()).get('records', id)
}

/** Every stored record of one entity ("visit", "inspection", ...). */
export async function listRecords(entity: string): Promise<ServerRecord[]> {
  return (await getDb()).getAllFromIndex('records', 'by_entity', entity)
}

/** Nested rows (demands, item results, rectifications) of a visit or inspection. */
export async function listChildRecords(parentId: string): Promise<ServerRecord[]> {
  return (await getDb()).getAllFromIndex('records', 'by_parent', parentId)
}

/** Store roster entries in one transaction (all or none). */
export async function putRosterEntries(entries: readonly RosterEntry[]): Promise<void> {
  const tx = (await getDb()).transaction('rosters', 'readwrite')
  await Promise.all([...entries.map((entry) => tx.store.put(entry)), tx.done])
  notifyDataChange()
}

/** One roster (talents or service centres), as pulled. */
export async function listRoster(kind: RosterKind): Promise<RosterEntry[]> {
  return (await getDb()).getAllFromIndex('rosters', 'by_kind', kind)
}

/** One roster entry by id. */
export async function getRosterEntry(id: string): Promise<RosterEntry | undefined> {
  return (await getDb()).get('rosters', id)
}

/** Campaigns or checklist templates, as pulled. */
export async function listConfig(entity: ConfigEntity): Promise<ConfigEntry[]> {
  return (await getDb()).getAllFromIndex('config', 'by_entity', entity)
}

/** One page of a pull, applied together with the cursor that follows it (all or none). */
export interface PullPage {
  records: ServerRecord[]
  rosters: RosterEntry[]
  config: ConfigEntry[]
  /** Tombstones: deleted (or no longer visible) by id; `version` null deletes whatever is stored. */
  deletes: { id: string; version: number | null }[]
  /** The cursor to continue from; null keeps none (pull from the start next time). */
  cursor: string | null
}

/** Store one pull page with its cursor, in one transaction. */
export async function applyPullPage(page: PullPage): Promise<void> {
  const tx = (await getDb()).transaction(['records', 'rosters', 'config', 'meta'], 'readwrite')
  const records = tx.objectStore('records')
  for (const record of page.records) {
    const stored = await records.get(record.id)
    // The server's copy wins unless this phone already holds a newer acknowledged version;
    // the conflicts of this device's last edit stay shown until the record moves on.
    if (!stored) await records.put(record)
    else if (stored.version < record.version) await records.put(record)
    else if (stored.version === record.version) await records.put({ ...record, conflicts: stored.conflicts })
  }
  for (const entry of page.rosters) await tx.objectStore('rosters').put(entry)
  for (const entry of page.config) await tx.objectStore('config').put(entry)
  for (const { id, version } of page.deletes) {
    const stored = await records.get(id)
    if (stored && (version === null || stored.version <= version)) await records.delete(id)
    await tx.objectStore('rosters').delete(id)
    await tx.objectStore('config').delete(id)
  }
  const meta = tx.objectStore('meta')
  if (page.cursor === null) await meta.delete('pull_cursor')
  else await meta.put(page.cursor, 'pull_cursor')
  await tx.done
  notifyDataChange()
}

/**
 * End of a full sync: delete pulled copies that it did not confirm (generation
 * below `gen`), except ids in `keep` (records with unsynced changes).
 */
export async function sweepUnconfirmed(gen: number, keep: ReadonlySet<string>): Promise<number> {
  const tx = (await getDb()).transaction(['records', 'rosters', 'config', 'meta'], 'readwrite')
  let swept = 0
  for (const name of ['records', 'rosters', 'config'] as const) {
    for (let cursor = await tx.objectStore(name).openCursor(); cursor; cursor = await cursor.continue()) {
      const value = cursor.value as { id: string; gen?: number; parent_id?: string | null }
      if ((value.gen ?? 0) < gen && !keep.has(value.id) && !(value.parent_id && keep.has(value.parent_id))) {
        await cursor.delete()
        swept++
      }
    }
  }
  await tx.objectStore('meta').put(false, 'full_sync_pending')
  await tx.done
  notifyDataChange()
  return swept
}

/** Start a full sync: a new generation, no cursor. Returns the generation. */
export async function beginFullSync(): Promise<number> {
  const tx = (await getDb()).transaction('meta', 'readwrite')
  const gen = (((await tx.store.get('pull_gen')) as number | undefined) ?? 0) + 1
  await Promise.all([
    tx.store.put(gen, 'pull_gen'),
    tx.store.put(true, 'full_sync_pending'),
    tx.store.delete('pull_cursor'),
    tx.done,
  ])
  return gen
}

/**
 * Another person signed in: forget the pulled records, rosters and config (they
 * were what the previous person may see) and the pull cursor. The outbox, photos
 * and drafts stay: they are unsent work.
 */
export async function resetPulledData(userId: string): Promise<void> {
  const tx = (await getDb()).transaction(['records', 'rosters', 'config', 'meta'], 'readwrite')
  await Promise.all([
    tx.objectStore('records').clear(),
    tx.objectStore('rosters').clear(),
    tx.objectStore('config').clear(),
    tx.objectStore('meta').delete('pull_cursor'),
    tx.objectStore('meta').put(false, 'full_sync_pending'),
    tx.objectStore('meta').put(userId, 'data_user_id'),
    tx.done,
  ])
  notifyDataChange()
}

