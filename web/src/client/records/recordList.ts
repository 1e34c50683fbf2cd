/**
 * Rows of "我的记录": records the sync module knows (queued here or pulled from
 * the server) merged with local drafts that never left the phone. Pure.
 */
import type { Draft } from '../storage'
import { listServiceCenters, listTalents, type MyRecord, type RecordStatus, type RecordSyncStatus } from '../sync'

export interface RecordRow {
  entity: 'visit' | 'inspection'
  id: string
  title: string
  date: string
  status: RecordStatus
  /** Null for a draft that exists only on this phone. */
  sync: RecordSyncStatus | null
  review_comment: string
  /** A local draft with edits not yet submitted. */
  has_draft: boolean
  /** Where a tap goes. */
  path: string
}

export function editPath(entity: 'visit' | 'inspection', id: string): string {
  return entity === 'visit' ? `/visits/${id}` : `/inspections/${id}`
}

export interface RosterNames {
  talent: (id: string) => string
  center: (id: string) => string
}

/** Names of the talents and centres on this phone, to title record rows by. */
export async function rosterNames(): Promise<RosterNames> {
  const [talents, centers] = await Promise.all([listTalents(''), listServiceCenters('')])
  const talentNames = new Map(talents.map((t) => [t.id, t.name]))
  const centerNames = new Map(centers.map((c) => [c.id, c.name]))
  return { talent: (id) => talentNames.get(id) ?? '', center: (id) => centerNames.get(id) ?? '' }
}

export type RecordFilter = 'all' | 'returned' | 'draft' | 'submitted' | 'approved'

export function toRows(
  records: readonly MyRecord[],
  drafts: readonly Draft[],
  names: RosterNames,
): RecordRow[] {
  const draftIds = new Set(drafts.map((d) => d.id))
  const rows: RecordRow[] = records.map((r) => {
    const entity = r.entity
    const title =
      r.entity === 'visit'
        ? (r.data.talent_id ? names.talent(r.data.talent_id) : '') || r.data.target_unit_name || '人才走访'
        : names.center(r.data.service_center_id) || '阵地检查'
    return {
      entity,
      id: r.id,
      title,
      date: r.entity === 'visit' ? r.data.visited_on : r.data.inspected_on,
      status: r.status,
      sync: r.sync,
      review_comment: r.review_comment,
      has_draft: draftIds.has(r.id),
      // A draft opens in its form; anything sent opens read-only first.
      path: r.status === 'draft' ? editPath(entity, r.id) : `/records/${entity}/${r.id}`,
    }
  })
  const known = new Set(records.map((r) => r.id))
  for (const d of drafts) {
    if (known.has(d.id) || (d.form !== 'visit' && d.form !== 'inspection')) continue
    const data = d.data as { title?: string; state?: { visited_on?: string; inspected_on?: string } } | null
    const title = (data?.title ?? '').replace(/^(人才走访|阵地检查) · /, '')
    rows.push({
      entity: d.form,
      id: d.id,
      title: title || (d.form === 'visit' ? '人才走访' : '阵地检查'),
      date: data?.state?.visited_on ?? data?.state?.inspected_on ?? '',
      status: 'draft',
      sync: null,
      review_comment: '',
      has_draft: true,
      path: editPath(d.form, d.id),
    })
  }
  // Returned first (they need the visitor), then newest first.
  return rows.sort((a, b) => {
    const ra = a.status === 'returned' ? 0 : 1
    const rb = b.status === 'returned' ? 0 : 1
    return ra - rb || b.date.localeCompare(a.date) || a.id.localeCompare(b.id)
  })
}

export function filterRows(rows: readonly RecordRow[], filter: RecordFilter): RecordRow[] {
  return filter === 'all' ? [...rows] : rows.filter((r) => r.status === filter)
}
