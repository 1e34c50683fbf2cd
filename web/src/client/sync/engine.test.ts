import 'fake-indexeddb/auto'

import { IDBFactory } from 'fake-indexeddb'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import { newId } from '../../shared/ids'
import type { VisitIn } from '../../shared/protocol'
import type { User } from '../api'
import { loadSession, session, signIn } from '../auth/session'
import * as db from '../storage'
import {
  afterSync,
  BACKOFF_BASE_MS,
  BACKOFF_CAP_MS,
  backoffDelay,
  nextRunAt,
  onDataOwnerChange,
  resetEngineForTests,
  runSync,
  startSync,
} from './engine'
import { buildUnsentExport } from './exportUnsent'
import { discardPhoto, getMyRecord, listMyRecords, listTalents, queueVisit, savePhoto, syncState } from './index'
import { sha256Hex } from './sha256'
import { FakeServer } from './testing/fakeServer'
import { refreshOutboxStats, unsynced } from './unsynced'
import { CHUNK_BYTES } from './upload'

const user: User = {
  id: '0b7d4c3e-9a51-4d7e-8f40-2f1c5b6a7e01',
  username: 'zhangsan',
  display_name: '张三',
  role: 'field_staff',
  org_unit_id: '5f0e2a9c-3b1d-4c8e-9a7f-6d2b1c0e4f11',
  org_unit_name: '城关镇',
}

let server: FakeServer

function setOnline(onLine: boolean): void {
  vi.stubGlobal('navigator', { onLine, userAgent: 'Mozilla/5.0 (Linux; Android 13; Mobile) Chrome/120' })
}

function visit(over: Partial<VisitIn> = {}): VisitIn {
  return {
    id: newId(),
    campaign_id: 'campaign-1',
    talent_id: 'talent-1',
    visited_on: '2026-03-02',
    mode: 'in_person',
    notes: '走访记录',
    photos: [],
    demands: [],
    ...over,
  }
}

/** A JPEG-looking byte string of `size` bytes with distinct content per seed. */
function jpeg(size: number, seed = 1): ArrayBuffer {
  const bytes = new Uint8Array(size)
  bytes.set([0xff, 0xd8, 0xff, 0xe0])
  for (let i = 4; i < size; i++) bytes[i] = (i * 31 + seed * 7) & 0xff
  return bytes.buffer
}

const isPush = (r: { path: string }): boolean => r.path === '/api/sync/push'
const isPull = (r: { path: string }): boolean => r.path === '/api/sync/pull'
const isPut = (r: { method: string; path: string }): boolean => r.method === 'PUT' && r.path.startsWith('/api/media/')

beforeEach(async () => {
  await db.closeDb()
  globalThis.indexedDB = new IDBFactory()
  resetEngineForTests()
  server = new FakeServer()
  server.users.set('zhangsan', { password: 'demo1234', user: { ...user } })
  vi.stubGlobal('fetch', server.fetch)
  setOnline(true)
  await loadSession()
  await signIn('zhangsan', 'demo1234')
})

afterEach(async () => {
  resetEngineForTests()
  vi.unstubAllGlobals()
  await db.closeDb()
})

describe('push: exactly once', () => {
  it('sends queued records once, in order, and keeps their server versions', async () => {
    const visits = [visit(), visit(), visit()]
    for (const v of visits) await queueVisit(v, { submit: true })
    expect((await db.listOutbox(user.id)).map((i) => [i.seq, i.kind])).toEqual([
      [1, 'visit.put'], [2, 'visit.submit'], [3, 'visit.put'], [4, 'visit.submit'], [5, 'visit.put'], [6, 'visit.submit'],
    ])

    await runSync('test')

    expect(syncState.lastError).toBeNull()
    expect(server.rowsOf('visit').map((r) => r.record['status'])).toEqual(['submitted', 'submitted', 'submitted'])
    expect(server.log.map((l) => l.status)).toEqual(Array(6).fill('applied'))
    expect(await db.listOutbox()).toEqual([])
    const mine = await getMyRecord('visit', visits[0]!.id)
    expect(mine).toMatchObject({ status: 'submitted', sync: 'synced', version: 2 })
    expect(mine?.data.notes).toBe('走访记录')
    expect(syncState.lastSyncedAt).not.toBeNull()
  })

  it('replays a batch whose answer was lost: the server answers duplicate and nothing is applied twice', async () => {
    const v = visit()
    await queueVisit(v, { submit: true })
    server.failNext(isPush, { kind: 'lost' })

    await runSync('test')
    expect(syncState.lastError?.code).toBe('network.offline')
    // Committed on the server, but the phone never heard: it keeps both, as pending.
    expect((await db.listOutbox(user.id)).map((i) => i.status)).toEqual(['pending', 'pending'])
    expect(server.rowsOf('visit')).toHaveLength(1)

    await runSync('test')
    expect(server.log.map((l) => l.status)).toEqual(['applied', 'applied', 'duplicate', 'duplicate'])
    expect(server.rows.get(v.id)?.version).toBe(2) // put + submit, once each
    expect(await db.listOutbox()).toEqual([])
    expect((await getMyRecord('visit', v.id))?.version).toBe(2)
  })

  it('keeps a rejected mutation, marked in Chinese, and moves on; a later fix supersedes it', async () => {
    server.rejectIf = (m) =>
      m.op === 'visit.put' && m.visit.visited_on > '2026-12-31'
        ? { code: 'sync.validation', message: "visited_on is outside the campaign's dates", details: { field: 'visited_on' } }
        : null
    const bad = visit({ visited_on: '2027-01-05' })
    const good = visit()
    await queueVisit(bad, { submit: false })
    await queueVisit(good, { submit: false })

    await runSync('test')

    const [kept] = await db.listOutbox(user.id)
    expect(kept).toMatchObject({ entity_id: bad.id, status: 'rejected', last_error: 'sync.validation' })
    expect(kept!.error_message).toContain('走访日期')
    expect(server.rowsOf('visit').map((r) => r.id)).toEqual([good.id])
    expect(await getMyRecord('visit', bad.id)).toMatchObject({ sync: 'rejected', sync_error: { code: 'sync.validation' } })
    await refreshOutboxStats()
    expect(unsynced.count).toBe(1) // the rejected one still counts as unsynced

    // Rejected items are not sent again...
    await runSync('test')
    expect(server.log).toHaveLength(2)
    // ...and the fixed record replaces it.
    await queueVisit({ ...bad, visited_on: '2026-03-03' }, { submit: false })
    await runSync('test')
    expect(await db.listOutbox()).toEqual([])
    expect(server.rowsOf('visit')).toHaveLength(2)
  })

  it('fills a gap: numbers the phone no longer has are skipped, the rest sent', async () => {
    const lost = visit()
    const kept = visit()
    await queueVisit(lost, { submit: false })
    await queueVisit(kept, { submit: false })
    const [first] = await db.listOutbox(user.id)
    await db.removeOutboxItems([first!.id]) // seq 1 gone from the phone (never sent)

    await runSync('test')

    expect(server.log.map((l) => [l.mutation.seq, l.mutation.op, l.status])).toEqual([
      [1, 'skip', 'rejected'],
      [2, 'visit.put', 'applied'],
    ])
    expect(await db.listOutbox()).toEqual([])
    expect(server.lastSeq.get(`${user.id}:${await db.getDeviceId()}`)).toBe(2)
  })

  it("pushes only the signed-in user's mutations", async () => {
    await db.enqueueMutation({ user_id: 'someone-else', kind: 'visit.put', entity: 'visit', entity_id: 'x', payload: { op: 'visit.put', base_version: 0, visit: visit() } })
    await queueVisit(visit(), { submit: false })

    await runSync('test')

    expect(server.log.map((l) => l.stream.split(':')[0])).toEqual([user.id])
    expect((await db.listOutbox()).map((i) => i.user_id)).toEqual(['someone-else'])
    await refreshOutboxStats()
    expect(unsynced).toMatchObject({ count: 0, otherUsers: 1 })
  })

  it('halves a batch the server refuses as a whole and skips the one mutation it cannot parse', async () => {
    await queueVisit(visit(), { submit: false })
    await queueVisit(visit({ notes: 'poison' }), { submit: false })
    await queueVisit(visit(), { submit: false })
    const poison = (await db.listOutbox(user.id))[1]!
    const original = server.fetch
    // A body the server cannot decode at all (400 for the whole request) while it contains the poison.
    vi.stubGlobal('fetch', async (input: RequestInfo | URL, init?: RequestInit) => {
      if (String(input) === '/api/sync/push' && String(init?.body).includes('poison')) {
        return new Response(JSON.stringify({ code: 'request.validation', message: 'bad', details: {} }), {
          status: 400,
          headers: { 'Content-Type': 'application/json' },
        })
      }
      return original(input, init)
    })

    await runSync('test')

    expect(server.log.map((l) => [l.mutation.seq, l.mutation.op, l.status])).toEqual([
      [1, 'visit.put', 'applied'],
      [2, 'skip', 'rejected'],
      [3, 'visit.put', 'applied'],
    ])
    expect(await db.listOutbox(user.id)).toMatchObject([{ id: poison.id, status: 'rejected', last_error: 'request.validation' }])
  })
})

describe('conflicts', () => {
  it('removes a conflicted mutation, shows the server’s value and the conflict until the record moves on', async () => {
    const v = visit({ notes: '我的记录' })
    server.conflictIf = (m) => (m.op === 'visit.put' ? { notes: '审核人改过的记录' } : null)
    await queueVisit(v, { submit: false })

    await runSync('test')

    expect(await db.listOutbox()).toEqual([])
    const mine = await getMyRecord('visit', v.id)
    expect(mine).toMatchObject({ sync: 'conflict', data: { notes: '审核人改过的记录' } })
    expect(mine?.sync_error?.message).toContain('1 处')
    // The pull brings the same version: the conflict stays shown.
    await runSync('test')
    expect((await getMyRecord('visit', v.id))?.sync).toBe('conflict')
  })

  it('keeps showing the conflicts of an edit sent together with its submit', async () => {
    const v = visit({ notes: '我的记录' })
    server.conflictIf = (m) => (m.op === 'visit.put' ? { notes: '审核人改过的记录' } : null)
    await queueVisit(v, { submit: true })

    await runSync('test')

    const mine = await getMyRecord('visit', v.id)
    expect(mine).toMatchObject({ sync: 'conflict', status: 'submitted', data: { notes: '审核人改过的记录' } })
    expect(mine?.conflicts.map((c) => [c.field, c.client_value])).toEqual([['notes', '我的记录']])
    await runSync('test') // the pull brings the submitted version
    expect((await getMyRecord('visit', v.id))?.sync).toBe('conflict')
  })
})

describe('failures', () => {
  it('pauses on 401, keeps everything, and resumes with the same outbox after signing in again', async () => {
    const a = visit()
    const b = visit()
    await queueVisit(a, { submit: true })
    await queueVisit(b, { submit: true })
    server.tokens.clear() // revoked on the server

    await runSync('test')

    expect(session.needsReauth).toBe(true)
    expect(syncState.needsSignIn).toBe(true)
    expect(syncState.lastError?.code).toBe('auth.required')
    expect(syncState.lastError?.message).toContain('重新登录')
    expect((await db.listOutbox(user.id)).map((i) => i.status)).toEqual(['pending', 'pending', 'pending', 'pending'])
    expect(nextRunAt).toBeNull() // no retry timer: retrying cannot help until the user signs in
    await runSync('test')
    expect(server.requests.filter(isPush)).toHaveLength(1) // paused: nothing sent

    await signIn('zhangsan', 'demo1234')
    expect(syncState.needsSignIn).toBe(false)
    await runSync('test')

    expect(server.rowsOf('visit').map((r) => r.id).sort()).toEqual([a.id, b.id].sort())
    expect(server.log.every((l) => l.status === 'applied')).toBe(true)
    expect(await db.listOutbox()).toEqual([])
  })

  it('backs off exponentially with jitter, capped at about five minutes', async () => {
    expect(backoffDelay(1, () => 0)).toBe(BACKOFF_BASE_MS / 2)
    expect(backoffDelay(1, () => 1)).toBe(BACKOFF_BASE_MS)
    expect(backoffDelay(3, () => 1)).toBe(BACKOFF_BASE_MS * 4)
    expect(backoffDelay(30, () => 1)).toBe(BACKOFF_CAP_MS)
    expect(backoffDelay(30, () => 0)).toBe(BACKOFF_CAP_MS / 2)

    await queueVisit(visit(), { submit: false })
    const delays: number[] = []
    for (let i = 0; i < 4; i++) {
      server.failNext(isPush, { kind: 'respond', response: () => new Response('Bad Gateway', { status: 502 }) })
      const before = Date.now()
      await runSync('test')
      delays.push(nextRunAt! - before)
      expect(syncState.lastError?.code).toBe('server.error')
    }
    for (let i = 0; i < 4; i++) {
      const ceiling = BACKOFF_BASE_MS * 2 ** i
      expect(delays[i]).toBeGreaterThanOrEqual(ceiling / 2 - 5)
      expect(delays[i]).toBeLessThanOrEqual(ceiling + 50)
    }
    await runSync('test') // the server is back
    expect(syncState.lastError).toBeNull()
    expect(await db.listOutbox()).toEqual([])
  })

  it('never takes a captive portal page (200 HTML) for success', async () => {
    const v = visit()
    await queueVisit(v, { submit: false })
    const portal = (): Response => new Response('<html><body>请登录 Wi-Fi</body></html>', { status: 200, headers: { 'Content-Type': 'text/html' } })

    server.failNext(isPush, { kind: 'respond', response: portal })
    await runSync('test')
    expect(syncState.lastError?.code).toBe('response.invalid')
    expect(await db.listOutbox(user.id)).toMatchObject([{ entity_id: v.id, status: 'pending' }])

    // A portal that answers JSON of its own is not our protocol either.
    server.failNext(isPush, { kind: 'respond', response: () => new Response('{"ok":true}', { status: 200, headers: { 'Content-Type': 'application/json' } }) })
    await runSync('test')
    expect(syncState.lastError?.code).toBe('response.invalid')
    expect(await db.listOutbox(user.id)).toHaveLength(1)

    const photo = await savePhoto(v.id, jpeg(1000), 'image/jpeg')
    server.failNext(isPut, { kind: 'respond', response: portal })
    await runSync('test')
    expect(syncState.lastError?.code).toBe('response.invalid')
    expect((await db.getPhoto(photo.sha256))?.status).toBe('pending')

    server.failNext(isPull, { kind: 'respond', response: portal })
    await runSync('test')
    expect(syncState.lastError?.code).toBe('response.invalid')
    expect(await db.getMeta('pull_cursor')).toBeUndefined()

    await runSync('test')
    expect(syncState.lastError).toBeNull()
    expect(server.rowsOf('visit')).toHaveLength(1)
    expect(server.media.get(photo.sha256)?.complete).toBe(true)
  })

  it('waits for the network while the browser is offline (no request, no back-off)', async () => {
    await queueVisit(visit(), { submit: false })
    setOnline(false)
    await runSync('test')
    expect(server.requests).toHaveLength(1) // the sign-in only
    expect(syncState.lastError?.code).toBe('network.offline')
  })
})

describe('photos', () => {
  it('uploads a photo in chunks and resumes a cut upload from what the server received, never resending a byte', async () => {
    const v = visit()
    const bytes = jpeg(CHUNK_BYTES * 2 + 1234)
    const ref = await savePhoto(v.id, bytes, 'image/jpeg')
    expect(ref).toEqual({ sha256: await sha256Hex(bytes), mime: 'image/jpeg', size: bytes.byteLength })
    await queueVisit({ ...v, photos: [ref.sha256] }, { submit: true })
    // The second chunk breaks after 100 000 bytes have reached the server.
    let puts = 0
    server.failNext((r) => isPut(r) && ++puts === 2, { kind: 'cut', keep: 100_000 })

    await runSync('test')
    expect(syncState.lastError?.code).toBe('network.offline')
    expect(await db.getPhoto(ref.sha256)).toMatchObject({ status: 'pending' })
    expect(server.media.get(ref.sha256)?.bytes.length).toBe(CHUNK_BYTES + 100_000)

    await runSync('test')

    const media = server.media.get(ref.sha256)!
    expect(media.complete).toBe(true)
    expect(server.overlap(ref.sha256)).toBe(0)
    const sent = server.received.filter((r) => r.sha256 === ref.sha256).reduce((n, r) => n + r.to - r.from, 0)
    expect(sent).toBe(bytes.byteLength) // every byte arrived exactly once
    const resumed = server.requests.filter(isPut).map((r) => r.headers.get('Content-Range'))
    expect(resumed[2]).toBe(`bytes ${CHUNK_BYTES + 100_000}-${bytes.byteLength - 1}/${bytes.byteLength}`)
    expect(await db.getPhoto(ref.sha256)).toMatchObject({ status: 'uploaded', uploaded_bytes: bytes.byteLength })
    const mine = await getMyRecord('visit', v.id)
    expect(mine?.photos).toMatchObject([{ sha256: ref.sha256, status: 'uploaded', local: true }])
    expect(mine?.sync).toBe('synced')
  })

  it('asks the server first and sends nothing for a photo it already has', async () => {
    const bytes = jpeg(5000, 2)
    const sha = await sha256Hex(bytes)
    server.media.set(sha, { size: 5000, mime: 'image/jpeg', bytes: Array.from(new Uint8Array(bytes)), complete: true })
    await savePhoto('r1', bytes, 'image/jpeg')
    await runSync('test')
    expect(server.requests.filter(isPut)).toHaveLength(0)
    expect((await db.getPhoto(sha))?.status).toBe('uploaded')
  })

  it('marks a too-large photo rejected with a message that says what to do, and the rest still syncs', async () => {
    server.maxPhotoBytes = 2000
    const v = visit()
    const big = await savePhoto(v.id, jpeg(5000, 3), 'image/jpeg')
    const small = await savePhoto(v.id, jpeg(1000, 4), 'image/jpeg')
    await queueVisit({ ...v, photos: [big.sha256, small.sha256] }, { submit: false })

    await runSync('test')

    expect(await db.getPhoto(big.sha256)).toMatchObject({ status: 'rejected', error_code: 'payload.too_large' })
    expect((await db.getPhoto(big.sha256))?.error_message).toContain('重新拍摄')
    expect(server.media.get(small.sha256)?.complete).toBe(true)
    expect(server.rowsOf('visit')).toHaveLength(1)
    const mine = await getMyRecord('visit', v.id)
    expect(mine?.photos.find((p) => p.sha256 === big.sha256)).toMatchObject({ status: 'rejected', error: { code: 'payload.too_large' } })
  })

  it('uploads again a photo the server says is missing', async () => {
    const v = visit()
    const ref = await savePhoto(v.id, jpeg(3000, 5), 'image/jpeg')
    await db.updatePhoto(ref.sha256, { status: 'uploaded', uploaded_at: Date.now() }) // the phone thought it was sent
    await queueVisit({ ...v, photos: [ref.sha256] }, { submit: false })

    await runSync('test')

    expect(server.media.get(ref.sha256)?.complete).toBe(true)
    expect((await db.getPhoto(ref.sha256))?.status).toBe('uploaded')
  })

  it('discards a photo only when no queued change lists it', async () => {
    const v = visit()
    const kept = await savePhoto(v.id, jpeg(100, 6), 'image/jpeg')
    const dropped = await savePhoto(v.id, jpeg(100, 7), 'image/jpeg')
    setOnline(false)
    await queueVisit({ ...v, photos: [kept.sha256] }, { submit: false })
    await discardPhoto(kept.sha256)
    await discardPhoto(dropped.sha256)
    expect(await db.getPhoto(kept.sha256)).toBeDefined()
    expect(await db.getPhoto(dropped.sha256)).toBeUndefined()
    await expect(savePhoto(v.id, jpeg(10), 'image/webp')).rejects.toThrow('JPG')
  })
})

describe('pull', () => {
  it('pages until has_more is false, applies tombstones, and serves roster search offline', async () => {
    for (let i = 0; i < 1200; i++) {
      server.seed('talent', { id: `t-${i}`, name: `人才${i}`, name_initials: `rc${i}`, org_unit_id: i % 2 ? 'u-1' : 'u-2', category: 'professional_tech', roster_year: 2026 })
    }
    server.seed('talent', { id: 'zs', name: '张三', name_initials: 'zs', org_unit_id: 'u-1', category: 'party_gov', roster_year: 2026 })
    server.seed('campaign', { id: 'campaign-1', code: 'sssw', name: '三送三问', org_unit_id: 'u-0', starts_on: '2026-01-01', ends_on: '2026-12-31' })

    await runSync('test')
    expect(server.requests.filter(isPull)).toHaveLength(3) // 500 + 500 + 202
    expect((await listTalents('')).length).toBe(1201)
    expect((await listTalents('zs')).map((t) => t.name)).toEqual(['张三'])
    expect((await listTalents('三')).map((t) => t.name)).toEqual(['张三'])
    expect((await listTalents('', 'u-1')).length).toBe(601)

    // A visit to 张三 queued offline shows as the last visit at once.
    setOnline(false)
    await queueVisit(visit({ talent_id: 'zs', visited_on: '2026-03-09' }), { submit: false })
    expect((await listTalents('zs'))[0]?.last_visited_on).toBe('2026-03-09')
    setOnline(true)

    const gone = server.rows.get('t-7')!
    server.changeSeq++
    server.rows.set('t-7', { ...gone, deleted: true, change_seq: server.changeSeq })
    await runSync('test')
    expect((await listTalents('人才7')).map((t) => t.id)).not.toContain('t-7')
  })

  it('on reset_required does a full resync that drops stale copies but keeps unsynced records', async () => {
    server.seed('talent', { id: 'zs', name: '张三', name_initials: 'zs', org_unit_id: 'u-1', category: 'party_gov', roster_year: 2026 })
    await runSync('test')
    const cursor = await db.getMeta('pull_cursor')
    expect(cursor).toBeDefined()

    // Stale: a record this phone has that the server no longer lists; and an unsynced one.
    await db.putRecords([{ id: 'stale', entity: 'visit', version: 3, data: { id: 'stale' }, parent_id: null, gen: 1 }])
    setOnline(false)
    const unsent = visit()
    await queueVisit(unsent, { submit: false })
    await db.putRecords([{ id: unsent.id, entity: 'visit', version: 1, data: { ...unsent, visitor_id: user.id, status: 'draft' }, parent_id: null, gen: 1 }])
    setOnline(true)
    server.resetCursors.add(cursor!)
    server.failNext(isPush, { kind: 'network' }) // keep the visit unsynced through the pull

    await runSync('test') // push fails: no pull
    const vendorFetch = server.fetch
    vi.stubGlobal('fetch', (input: RequestInfo | URL, init?: RequestInit) =>
      String(input) === '/api/sync/push' ? Promise.reject(new TypeError('offline')) : vendorFetch(input, init),
    )
    const { pullAll } = await import('./pull')
    await pullAll({ token: session.token!, userId: user.id, orgUnitId: user.org_unit_id, deviceId: await db.getDeviceId(), progress: () => {}, clockSkew: () => {} })

    expect(await db.getRecord('stale')).toBeUndefined()
    expect(await db.getRecord(unsent.id)).toBeDefined()
    expect((await listTalents('zs')).map((t) => t.id)).toEqual(['zs'])
  })

  it('merges pulled records with unsynced ones in "my records", with review status and comment', async () => {
    const returned = visit({ notes: '旧' })
    server.seed('visit', { ...returned, visitor_id: user.id, org_unit_id: 'u-1', status: 'returned', review_comment: '请补充照片', version: 1, missing_photos: [] })
    await runSync('test')
    setOnline(false)
    const fresh = visit({ visited_on: '2026-04-01' })
    await queueVisit(fresh, { submit: true })

    const records = await listMyRecords()
    expect(records.map((r) => [r.id, r.status, r.sync])).toEqual([
      [fresh.id, 'submitted', 'pending'],
      [returned.id, 'returned', 'synced'],
    ])
    expect(records[1]).toMatchObject({ review_comment: '请补充照片', version: 1 })

    // Editing the returned record names the version it started from.
    await queueVisit({ ...returned, notes: '已补充' }, { submit: true })
    const [put, submit] = (await db.listOutbox(user.id)).slice(-2)
    expect(put!.payload).toMatchObject({ op: 'visit.put', base_version: 1, visit: { notes: '已补充' } })
    expect(submit!.payload).toMatchObject({ op: 'visit.submit', base_version: 1 })
    expect((await getMyRecord('visit', returned.id))?.data.notes).toBe('已补充')
  })

  it('forgets what the previous person pulled when someone else signs in on the phone', async () => {
    server.seed('talent', { id: 'zs', name: '张三', name_initials: 'zs', org_unit_id: 'u-1', category: 'party_gov', roster_year: 2026 })
    await runSync('test')
    expect(await listTalents('')).toHaveLength(1)
    const other = { ...user, id: 'user-2', username: 'lisi' }
    server.users.set('lisi', { password: 'pw', user: other })
    server.rows.clear()
    await signIn('lisi', 'pw')
    await runSync('test')
    expect(await listTalents('')).toEqual([])
  })
})

describe('what features run after a sync (registered from main.ts)', () => {
  it('runs after a sync that got through, not after one that could not start, and survives a failing hook', async () => {
    const hook = vi.fn()
    const offs = [
      afterSync(() => {
        throw new Error('a feature bug')
      }),
      afterSync(hook),
    ]
    setOnline(false)
    await runSync('test')
    expect(hook).not.toHaveBeenCalled()
    setOnline(true)
    await runSync('test')
    expect(hook).toHaveBeenCalledTimes(1)
    expect(syncState.lastError).toBeNull()
    offs.forEach((off) => off())
  })

  it('tells them when another person signs in and what the previous one pulled is forgotten', async () => {
    vi.stubGlobal('window', { addEventListener: vi.fn() })
    vi.stubGlobal('document', { addEventListener: vi.fn(), visibilityState: 'visible' })
    const hook = vi.fn()
    const off = onDataOwnerChange(hook)
    await runSync('test')
    startSync()
    server.users.set('lisi', { password: 'pw', user: { ...user, id: 'user-2', username: 'lisi' } })
    await signIn('lisi', 'pw')
    await vi.waitFor(() => expect(hook).toHaveBeenCalledTimes(1))
    off()
  })
})

describe('housekeeping', () => {
  it('drops the bytes of photos uploaded long ago unless a queued change lists them', async () => {
    const old = await savePhoto('r1', jpeg(100, 21), 'image/jpeg')
    const listed = await savePhoto('r2', jpeg(100, 22), 'image/jpeg')
    const recent = await savePhoto('r3', jpeg(100, 23), 'image/jpeg')
    for (const sha of [old.sha256, listed.sha256]) await db.putPhoto({ ...(await db.getPhoto(sha))!, status: 'uploaded', created_at: 1000 })
    await db.updatePhoto(recent.sha256, { status: 'uploaded' })
    setOnline(false)
    await queueVisit(visit({ id: 'r2', photos: [listed.sha256] }), { submit: false })

    const { mutationPhotos } = await import('./payloads')
    expect(await db.pruneUploadedPhotos(Date.now() - 60_000, (item, sha) => mutationPhotos(item.payload).includes(sha))).toBe(1)
    expect(await db.getPhoto(old.sha256)).toBeUndefined()
    expect(await db.getPhoto(listed.sha256)).toBeDefined()
    expect(await db.getPhoto(recent.sha256)).toBeDefined()
  })
})

describe('export unsent', () => {
  it('holds every unsynced mutation (as protocol mutations) and photo (base64)', async () => {
    setOnline(false)
    const v = visit()
    const bytes = jpeg(70_000, 9)
    const ref = await savePhoto(v.id, bytes, 'image/jpeg')
    await queueVisit({ ...v, photos: [ref.sha256] }, { submit: true })

    const exported = await buildUnsentExport()

    expect(exported).toMatchObject({ format: 'zoufang.unsent', version: 1, device_id: await db.getDeviceId(), user: { id: user.id } })
    expect(exported.mutations.map((m) => [m.mutation.seq, m.mutation.op])).toEqual([[1, 'visit.put'], [2, 'visit.submit']])
    expect(exported.mutations[0]!.mutation).toMatchObject({ visit: { id: v.id, photos: [ref.sha256] } })
    const back = Uint8Array.from(atob(exported.photos[0]!.base64), (c) => c.charCodeAt(0))
    expect(await sha256Hex(back.buffer)).toBe(ref.sha256)
  })
})
