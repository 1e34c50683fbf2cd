import { beforeEach, describe, expect, it } from 'vitest'

import { ApiError } from '../http'
import { session } from '../auth/session'
import * as db from '../storage'
import { countAwaitingReview, getReviewRecord, listReviewRecords } from '../sync'
import { getMyRecord } from '../sync/local'
import { json, signedInEachTest, SUPERVISOR as supervisor } from '../testing/signedIn'
import { needsFreshCopy, reviewErrorMessage, reviewRecord, reviewRows } from './reviews'

const VISITOR = '9c96afd4-9079-53e6-8d3a-8cd01ae6acd3'

function visit(id: string, visitor: string, status: string, extra: Record<string, unknown> = {}): db.ServerRecord {
  return {
    id,
    entity: 'visit',
    version: 2,
    parent_id: null,
    gen: 1,
    data: {
      id,
      version: 2,
      campaign_id: 'c1',
      talent_id: `talent-${id}`,
      visited_on: '2026-11-20',
      mode: 'in_person',
      visitors: ['张三', '李明'],
      visitor_id: visitor,
      status,
      review_comment: '',
      photos: [],
      missing_photos: [],
      ...extra,
    },
  }
}


const fetchMock = signedInEachTest()

describe('the records a reviewer reads from the phone', () => {
  beforeEach(async () => {
    await db.putRecords([
      visit('v-waiting', VISITOR, 'submitted', { submitted_at: '2026-11-21T02:00:00Z' }),
      visit('v-mine', supervisor.id, 'submitted', { submitted_at: '2026-11-20T02:00:00Z' }),
      visit('v-draft', VISITOR, 'draft'),
      visit('v-approved', VISITOR, 'approved', { reviewed_at: '2026-11-22T02:00:00Z', review_comment: '很好' }),
    ])
  })

  it('lists other people’s records, never my own', async () => {
    const ids = (await listReviewRecords()).map((r) => r.id).sort()
    expect(ids).toEqual(['v-approved', 'v-draft', 'v-waiting'])
  })

  it('counts what waits for the home screen from the stored copies: others’ submitted ones', async () => {
    expect(await countAwaitingReview()).toBe(1)
    const waiting = (await listReviewRecords()).filter((r) => r.status === 'submitted')
    expect(waiting.map((r) => r.id)).toEqual(['v-waiting'])
  })

  it('opens another person’s record for review, which 我的记录 does not', async () => {
    const record = await getReviewRecord('visit', 'v-waiting')
    expect(record).toMatchObject({ id: 'v-waiting', status: 'submitted', version: 2 })
    expect(record?.entity === 'visit' && record.data.visitors).toEqual(['张三', '李明'])
    expect(await getMyRecord('visit', 'v-waiting')).toBeUndefined()
  })

  it('shows what waits, the longest wait first, and never a draft', async () => {
    await db.putRecords([visit('v-older', VISITOR, 'submitted', { submitted_at: '2026-11-19T02:00:00Z' })])
    const records = await listReviewRecords()
    const names = { talent: (id: string) => `人才${id}`, center: () => '' }
    const waiting = reviewRows(records, 'submitted', names)
    expect(waiting.map((r) => r.id)).toEqual(['v-older', 'v-waiting'])
    expect(waiting[0]).toMatchObject({
      path: '/reviews/visit/v-older',
      title: '人才talent-v-older',
      people: '张三、李明',
      submitted_at: '2026-11-19T02:00:00Z',
    })
    expect(reviewRows(records, 'approved', names).map((r) => [r.id, r.review_comment])).toEqual([['v-approved', '很好']])
    expect(reviewRows(records, 'returned', names)).toEqual([])
  })
})

describe('a review decision', () => {
  it('is sent with the version read and the comment trimmed, as the signed-in user', async () => {
    fetchMock.mockResolvedValueOnce(
      json(200, { id: 'v1', status: 'returned', version: 3, review_comment: '请补充地点', reviewed_at: '2026-11-24T02:00:00Z' }),
    )
    const result = await reviewRecord('visit', 'v1', 'return', '  请补充地点 ', 2)
    expect(result).toMatchObject({ status: 'returned', version: 3 })
    const [url, init] = fetchMock.mock.calls[0]!
    expect(url).toBe('/api/visits/v1/review')
    expect(init?.method).toBe('POST')
    expect((init?.headers as Record<string, string>)['Authorization']).toBe('Bearer tok-1')
    expect(JSON.parse(String(init?.body))).toEqual({ decision: 'return', comment: '请补充地点', version: 2 })
  })

  it('goes to the inspection’s address for an inspection', async () => {
    fetchMock.mockResolvedValueOnce(
      json(200, { id: 'i1', status: 'approved', version: 4, review_comment: '', reviewed_at: '2026-11-24T02:00:00Z' }),
    )
    await reviewRecord('inspection', 'i1', 'approve', '', 3)
    expect(fetchMock.mock.calls[0]![0]).toBe('/api/inspections/i1/review')
  })

  it('asks to sign in again when the sign-in has expired', async () => {
    fetchMock.mockResolvedValueOnce(json(401, { code: 'auth.required', message: 'sign in' }))
    const error = await reviewRecord('visit', 'v1', 'approve', '', 2).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'auth.required' })
    expect(session.needsReauth).toBe(true)
    expect(reviewErrorMessage(error)).toContain('重新登录')
  })

  it('refuses an answer that is not the server’s (a Wi-Fi sign-in page)', async () => {
    fetchMock.mockResolvedValueOnce(json(200, { hello: 'portal' }))
    await expect(reviewRecord('visit', 'v1', 'approve', '', 2)).rejects.toMatchObject({ code: 'response.invalid' })
  })

  it('says in Chinese why it was refused, and when to read the record again first', async () => {
    const stale = new ApiError(409, 'review.stale_version', 'changed', { current_version: 3 })
    expect(reviewErrorMessage(stale)).toContain('修改过这条记录')
    expect(needsFreshCopy(stale)).toBe(true)
    expect(needsFreshCopy(new ApiError(409, 'review.not_submitted', 'no'))).toBe(true)
    const offline = new ApiError(0, 'network.offline', 'offline')
    expect(reviewErrorMessage(offline)).toBe('需要联网才能提交审核结果。')
    expect(needsFreshCopy(offline)).toBe(false)
    expect(reviewErrorMessage(new ApiError(400, 'review.comment_required', 'say'))).toContain('退回时')
    expect(reviewErrorMessage(new ApiError(403, 'review.own_record', 'own'))).toContain('不能审核自己')
    expect(reviewErrorMessage(new Error('boom'))).not.toBe('')
  })
})

