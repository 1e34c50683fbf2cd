import { describe, expect, it } from 'vitest'

import type { MyVisit, MyInspection } from '../sync'
import { filterRows, toRows } from './recordList'

function visit(id: string, status: MyVisit['status'], visited_on: string, extra: Partial<MyVisit> = {}): MyVisit {
  return {
    entity: 'visit',
    id,
    status,
    review_comment: '',
    version: 1,
    sync: 'synced',
    sync_error: null,
    conflicts: [],
    queued_at: null,
    photos: [],
    server: null,
    demand_records: [],
    data: { id, campaign_id: 'c', talent_id: 't1', visited_on, mode: 'in_person' },
    ...extra,
  }
}

const inspection: MyInspection = {
  entity: 'inspection',
  id: 'i1',
  status: 'submitted',
  review_comment: '',
  version: 0,
  sync: 'pending',
  sync_error: null,
  conflicts: [],
  queued_at: 1,
  photos: [],
  server: null,
  item_result_records: [],
  rectification_records: [],
  total_score: 80,
  data: { id: 'i1', service_center_id: 'sc1', template_id: 'tpl', inspected_on: '2026-03-05' },
}

const names = { talent: (id: string) => (id === 't1' ? '张伟' : ''), center: () => '南关村党群服务中心' }

describe('my records', () => {
  it('lists returned records first, then newest first, with names', () => {
    const rows = toRows(
      [visit('v1', 'approved', '2026-03-06'), visit('v2', 'returned', '2026-03-01', { review_comment: '补照片' }), inspection],
      [],
      names,
    )
    expect(rows.map((r) => r.id)).toEqual(['v2', 'v1', 'i1'])
    expect(rows[0]).toMatchObject({ title: '张伟', status: 'returned', review_comment: '补照片', path: '/records/visit/v2' })
    expect(rows[2]).toMatchObject({ title: '南关村党群服务中心', sync: 'pending', path: '/records/inspection/i1' })
  })

  it('adds drafts that never left the phone, and marks records with local edits', () => {
    const drafts = [
      { id: 'v9', form: 'visit', updated_at: 5, data: { title: '人才走访 · 李四', state: { visited_on: '2026-03-07' } } },
      { id: 'v1', form: 'visit', updated_at: 6, data: { title: '人才走访 · 张伟', state: { visited_on: '2026-03-06' } } },
    ]
    const rows = toRows([visit('v1', 'returned', '2026-03-06')], drafts, names)
    expect(rows.find((r) => r.id === 'v9')).toMatchObject({ title: '李四', status: 'draft', sync: null, path: '/visits/v9' })
    expect(rows.find((r) => r.id === 'v1')).toMatchObject({ has_draft: true })
    expect(rows).toHaveLength(2)
  })

  it('opens a server draft in its form', () => {
    expect(toRows([visit('v3', 'draft', '2026-03-01')], [], names)[0]!.path).toBe('/visits/v3')
  })

  it('filters by review status', () => {
    const rows = toRows([visit('v1', 'approved', '2026-03-06'), visit('v2', 'returned', '2026-03-01')], [], names)
    expect(filterRows(rows, 'returned').map((r) => r.id)).toEqual(['v2'])
    expect(filterRows(rows, 'all')).toHaveLength(2)
  })
})
