/**
 * The phone's copy of a record after the server acknowledged a change to it.
 * Until the next pull brings the server's own copy, the record is rebuilt from
 * what was sent plus the versions (and conflicts) the server answered with, so a
 * submitted record stays readable offline and the next edit names the right base.
 */
import type {
  Applied,
  Conflicted,
  FieldConflict,
  InspectionPut,
  VisitPut,
} from '../../shared/protocol'
import type { OutboxItem, PushOutcome, ServerRecord } from '../storage'

type Acked = Applied | Conflicted

/** Children of a record: (payload key, entity, parent column). */
const CHILDREN = {
  visit: [['demands', 'demand', 'visit_id']],
  inspection: [
    ['item_results', 'inspection_item_result', 'inspection_id'],
    ['rectifications', 'rectification', 'inspection_id'],
  ],
} as const

function withConflicts(data: Record<string, unknown>, id: string, conflicts: readonly FieldConflict[]): Record<string, unknown> {
  // The server kept its value for these fields: show that, not the edit it refused.
  for (const c of conflicts) {
    if (c.id === id && c.field !== '_deleted') data[c.field] = c.server_value
  }
  return data
}

export interface AckContext {
  userId: string
  orgUnitId: string
  gen: number
  stored: ReadonlyMap<string, ServerRecord>
}

/** Records to store and delete for one acknowledged mutation. */
export function recordsForAck(item: OutboxItem, result: Acked, ctx: AckContext): Pick<PushOutcome, 'records' | 'deleteRecords'> {
  const records: ServerRecord[] = []
  const deleteRecords: string[] = []
  const conflicts = result.status === 'conflict' ? result.conflicts : []
  const entity = item.entity as 'visit' | 'inspection'
  const prior = ctx.stored.get(item.entity_id)
  const priorData = (prior?.data ?? {}) as Record<string, unknown>

  if (item.kind === 'visit.put' || item.kind === 'inspection.put') {
    const payload = item.payload as Omit<VisitPut, 'mutation_id' | 'seq'> | Omit<InspectionPut, 'mutation_id' | 'seq'>
    const sent = ('visit' in payload ? payload.visit : payload.inspection) as unknown as Record<string, unknown>
    const own: Record<string, unknown> = { ...sent }
    for (const [key] of CHILDREN[entity]) delete own[key]
    const owner = entity === 'visit' ? 'visitor_id' : 'inspector_id'
    const data = withConflicts(
      {
        status: 'draft',
        review_comment: '',
        [owner]: ctx.userId,
        org_unit_id: ctx.orgUnitId,
        ...priorData,
        ...own,
        entity,
        version: result.version,
        missing_photos: result.missing_photos,
      },
      item.entity_id,
      conflicts,
    )
    records.push({ id: item.entity_id, entity, version: result.version, data, parent_id: null, gen: ctx.gen, conflicts })
    for (const [key, childEntity, parentColumn] of CHILDREN[entity]) {
      for (const row of (sent[key] ?? []) as Record<string, unknown>[]) {
        const id = String(row['id'])
        const version = result.versions[id]
        if (row['deleted'] === true) {
          if (version !== undefined) deleteRecords.push(id)
          continue
        }
        if (version === undefined) continue // unchanged on the server
        const { base_version: _base, deleted: _deleted, ...fields } = row
        const before = (ctx.stored.get(id)?.data ?? {}) as Record<string, unknown>
        const childData = withConflicts(
          { ...before, ...fields, entity: childEntity, [parentColumn]: item.entity_id, version },
          id,
          conflicts,
        )
        records.push({ id, entity: childEntity, version, data: childData, parent_id: item.entity_id, gen: ctx.gen })
      }
    }
  } else if (item.kind === 'visit.submit' || item.kind === 'inspection.submit') {
    if (prior) {
      records.push({
        ...prior,
        version: result.version,
        data: { ...priorData, status: 'submitted', version: result.version },
        gen: ctx.gen,
        // A put and its submit usually travel together: the put's conflicts stay shown.
        conflicts: [...(prior.conflicts ?? []), ...conflicts],
      })
    }
  } else if (item.kind === 'visit.delete' || item.kind === 'inspection.delete') {
    if (conflicts.length === 0) deleteRecords.push(item.entity_id)
  }
  return { records, deleteRecords }
}
