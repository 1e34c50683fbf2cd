import 'fake-indexeddb/auto'

import { IDBFactory } from 'fake-indexeddb'
import { openDB } from 'idb'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import type { User } from '../api'
import {
  clearSession,
  closeDb,
  DB_NAME,
  DB_VERSION,
  deleteDraft,
  enqueueMutation,
  enqueueMutations,
  getDeviceId,
  getDraft,
  getMeta,
  getPhoto,
  getRecord,
  getSession,
  listDrafts,
  listOutbox,
  listPhotosForRecord,
  listRoster,
  MIGRATIONS,
  onOutboxChange,
  openZoufangDb,
  outboxStats,
  putPhoto,
  putRecords,
  putRosterEntries,
  removeOutboxItems,
  saveDraft,
  setMeta,
  setOutboxStatus,
  setPersisted,
  setSession,
  setSessionUser,
  unsyncedStats,
  type Migration,
  type OutboxItem,
  type Photo,
} from '.'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/ // v7, as newId makes them

const user: User = {
  id: '0b7d4c3e-9a51-4d7e-8f40-2f1c5b6a7e01',
  username: 'zhangsan',
  display_name: '张三',
  role: 'field_staff',
  org_unit_id: '5f0e2a9c-3b1d-4c8e-9a7f-6d2b1c0e4f11',
  org_unit_name: '城关镇',
}

function photo(sha256: string, recordId: string): Photo {
  const bytes = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]).buffer
  return {
    sha256,
    record_id: recordId,
    mime: 'image/jpeg',
    bytes,
    size: bytes.byteLength,
    status: 'pending',
    uploaded_bytes: 0,
    created_at: 1_700_000_000_000,
  }
}

beforeEach(async () => {
  await closeDb()
  // A new, empty IndexedDB for every test.
  globalThis.indexedDB = new IDBFactory()
})

afterEach(async () => {
  await closeDb()
})

describe('session', () => {
  it('is empty at first', async () => {
    expect(await getSession()).toEqual({ token: null, user: null, persisted: null })
  })

  it('stores token, user and the persisted flag', async () => {
    await setSession('tok-1', user)
    await setPersisted(true)
    expect(await getSession()).toEqual({ token: 'tok-1', user, persisted: true })

    await setSessionUser({ ...user, display_name: '张三丰' })
    expect((await getSession()).user?.display_name).toBe('张三丰')
  })

  it('survives closing and reopening the database (a reload)', async () => {
    await setSession('tok-1', user)
    await closeDb()
    expect((await getSession()).token).toBe('tok-1')
  })

  it('sign-out clears token and user but keeps unsynced work', async () => {
    await setSession('tok-1', user)
    await setPersisted(false)
    await enqueueMutation({ user_id: user.id, kind: 'visit.save', entity: 'visit', entity_id: 'v1', payload: {} })
    await saveDraft('d1', 'visit', { notes: '走访记录' })
    await putPhoto(photo('aa', 'v1'))

    await clearSession()

    expect(await getSession()).toEqual({ token: null, user: null, persisted: false })
    expect((await outboxStats()).count).toBe(1)
    expect(await getDraft('d1')).toBeDefined()
    expect(await getPhoto('aa')).toBeDefined()
  })
})

describe('meta', () => {
  it('makes the device id once and keeps it', async () => {
    const first = await getDeviceId()
    expect(first).toMatch(UUID)
    expect(await getDeviceId()).toBe(first)
    await closeDb()
    expect(await getDeviceId()).toBe(first)
  })

  it('gives one device id to concurrent callers', async () => {
    const ids = await Promise.all([getDeviceId(), getDeviceId(), getDeviceId()])
    expect(new Set(ids).size).toBe(1)
  })

  it('stores the pull cursor', async () => {
    expect(await getMeta('pull_cursor')).toBeUndefined()
    await setMeta('pull_cursor', '42')
    expect(await getMeta('pull_cursor')).toBe('42')
  })
})

describe('outbox', () => {
  it('reports an empty outbox', async () => {
    expect(await outboxStats()).toEqual({ count: 0, oldestCreatedAt: null })
    expect(await listOutbox()).toEqual([])
  })

  it('numbers mutations 1, 2, 3 and reports count and oldest', async () => {
    const a = await enqueueMutation({ user_id: user.id, kind: 'visit.save', entity: 'visit', entity_id: 'v1', payload: { n: 1 } }, 3000)
    const b = await enqueueMutation({ user_id: user.id, kind: 'visit.save', entity: 'visit', entity_id: 'v2', payload: { n: 2 } }, 1000)
    const c = await enqueueMutation(
      { id: 'fixed-id', user_id: user.id, kind: 'inspection.save', entity: 'inspection', entity_id: 'i1', payload: null },
      2000,
    )

    expect([a.seq, b.seq, c.seq]).toEqual([1, 2, 3])
    expect(a.id).toMatch(UUID)
    expect(c.id).toBe('fixed-id')
    expect(a).toMatchObject({ status: 'pending', last_error: null, created_at: 3000 })
    expect(await outboxStats()).toEqual({ count: 3, oldestCreatedAt: 1000 })
    expect((await listOutbox(user.id)).map((item) => item.seq)).toEqual([1, 2, 3])
    expect((await listOutbox()).map((item) => item.seq)).toEqual([2, 3, 1]) // everyone's, oldest first
    expect(await getMeta('seq_by_user')).toEqual({ [user.id]: 4 })
  })

  it('numbers each user separately, so another person on the phone never takes over a stream', async () => {
    const a1 = await enqueueMutation({ user_id: 'user-a', kind: 'visit.put', entity: 'visit', entity_id: 'v1', payload: {} }, 1000)
    const b1 = await enqueueMutation({ user_id: 'user-b', kind: 'visit.put', entity: 'visit', entity_id: 'v2', payload: {} }, 2000)
    const [a2, a3] = await enqueueMutations([
      { user_id: 'user-a', kind: 'visit.put', entity: 'visit', entity_id: 'v3', payload: {} },
      { user_id: 'user-a', kind: 'visit.submit', entity: 'visit', entity_id: 'v3', payload: {} },
    ])
    expect([a1.seq, a2!.seq, a3!.seq, b1.seq]).toEqual([1, 2, 3, 1])
    expect((await listOutbox('user-a')).map((i) => i.entity_id)).toEqual(['v1', 'v3', 'v3'])
    expect((await listOutbox('user-b')).map((i) => i.entity_id)).toEqual(['v2'])
    expect(await unsyncedStats('user-b')).toMatchObject({ count: 1, otherUsers: 3, oldestCreatedAt: 2000 })
    // A record saved and submitted is one record (two mutations).
    expect(await unsyncedStats('user-a')).toMatchObject({ count: 2, records: 2, mutations: 3 })
  })

  it('counts unsynced photos per user without the uploaded ones', async () => {
    await putPhoto({ ...photo('aa', 'v1'), user_id: 'user-a', created_at: 500 })
    await putPhoto({ ...photo('bb', 'v1'), user_id: 'user-a', status: 'uploaded' })
    await putPhoto({ ...photo('cc', 'v2'), user_id: 'user-b', status: 'rejected' })
    expect(await unsyncedStats('user-a')).toEqual({ count: 1, records: 0, mutations: 0, photos: 1, otherUsers: 1, oldestCreatedAt: 500 })
    expect(await unsyncedStats(null)).toMatchObject({ count: 2, photos: 2 })
  })

  it('never hands out a sequence number twice, even concurrently', async () => {
    const items = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        enqueueMutation({ user_id: user.id, kind: 'visit.save', entity: 'visit', entity_id: `v${i}`, payload: {} }),
      ),
    )
    expect(items.map((item) => item.seq).sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
  })

  it('keeps counting after acknowledged items are removed', async () => {
    const a = await enqueueMutation({ user_id: user.id, kind: 'visit.save', entity: 'visit', entity_id: 'v1', payload: {} })
    await removeOutboxItems([a.id])
    const b = await enqueueMutation({ user_id: user.id, kind: 'visit.save', entity: 'visit', entity_id: 'v1', payload: {} })
    expect(b.seq).toBe(2)
  })

  it('updates status and removes only acknowledged ids', async () => {
    const a = await enqueueMutation({ user_id: user.id, kind: 'visit.save', entity: 'visit', entity_id: 'v1', payload: {} }, 1000)
    const b = await enqueueMutation({ user_id: user.id, kind: 'visit.save', entity: 'visit', entity_id: 'v2', payload: {} }, 2000)

    await setOutboxStatus(a.id, 'rejected', 'request.validation')
    const [first] = await listOutbox()
    expect(first).toMatchObject({ id: a.id, status: 'rejected', last_error: 'request.validation' })

    await removeOutboxItems([a.id])
    expect((await listOutbox()).map((item: OutboxItem) => item.id)).toEqual([b.id])
    expect(await outboxStats()).toEqual({ count: 1, oldestCreatedAt: 2000 })
  })

  it('tells listeners about changes', async () => {
    const listener = vi.fn()
    const unsubscribe = onOutboxChange(listener)
    const item = await enqueueMutation({ user_id: user.id, kind: 'visit.save', entity: 'visit', entity_id: 'v1', payload: {} })
    await setOutboxStatus(item.id, 'sending')
    await setOutboxStatus('no-such-id', 'sending')
    await removeOutboxItems([item.id])
    expect(listener).toHaveBeenCalledTimes(3)

    unsubscribe()
    await enqueueMutation({ user_id: user.id, kind: 'visit.save', entity: 'visit', entity_id: 'v2', payload: {} })
    expect(listener).toHaveBeenCalledTimes(3)
  })
})

describe('photos, drafts, records and rosters', () => {
  it('stores photo bytes as an ArrayBuffer', async () => {
    await putPhoto(photo('aa', 'v1'))
    await putPhoto(photo('bb', 'v1'))
    await putPhoto(photo('cc', 'v2'))

    const stored = await getPhoto('aa')
    expect(stored?.bytes).toBeInstanceOf(ArrayBuffer)
    expect(Array.from(new Uint8Array(stored!.bytes))).toEqual([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3])
    expect((await listPhotosForRecord('v1')).map((p) => p.sha256).sort()).toEqual(['aa', 'bb'])
  })

  it('lists drafts newest first and deletes them', async () => {
    await saveDraft('d1', 'visit', { step: 1 }, 1000)
    await saveDraft('d2', 'inspection', { step: 2 }, 3000)
    await saveDraft('d1', 'visit', { step: 3 }, 5000)

    expect((await listDrafts()).map((d) => [d.id, d.updated_at])).toEqual([
      ['d1', 5000],
      ['d2', 3000],
    ])
    await deleteDraft('d1')
    expect(await getDraft('d1')).toBeUndefined()
  })

  it('stores pulled records and roster entries', async () => {
    await putRecords([{ id: 'r1', entity: 'visit', version: 3, data: { notes: '问需' } }])
    await putRosterEntries([
      { id: 't1', kind: 'talent', version: 1, data: { name: '李四' } },
      { id: 'c1', kind: 'service_center', version: 1, data: { name: '城关社区党群服务中心' } },
    ])
    expect((await getRecord('r1'))?.version).toBe(3)
    expect((await listRoster('talent')).map((entry) => entry.id)).toEqual(['t1'])
    expect((await listRoster('service_center')).map((entry) => entry.id)).toEqual(['c1'])
  })
})

describe('upgrade ladder', () => {
  it('is at the version its ladder says', async () => {
    await getSession()
    const db = await openDB(DB_NAME)
    expect(db.version).toBe(DB_VERSION)
    expect([...db.objectStoreNames].sort()).toEqual(
      ['config', 'drafts', 'meta', 'outbox', 'photos', 'records', 'rosters', 'session'].sort(),
    )
    db.close()
  })

  it('opens a database written by the first release and keeps every record', async () => {
    // The first release's database, written store by store as that release laid it out.
    const v1 = await openDB(DB_NAME, 1, {
      upgrade: (db, oldVersion, _newVersion, tx) => {
        expect(oldVersion).toBe(0)
        MIGRATIONS[0]!(db as never, tx as never)
      },
    })
    const tx = v1.transaction(['session', 'outbox', 'photos', 'drafts', 'meta'], 'readwrite')
    await tx.objectStore('session').put('tok-old', 'token')
    await tx.objectStore('session').put(user, 'user')
    await tx.objectStore('outbox').put({
      id: 'm1',
      kind: 'visit.save',
      entity: 'visit',
      entity_id: 'v1',
      seq: 1,
      status: 'pending',
      created_at: 1000,
      last_error: null,
      payload: { notes: '送政策' },
    })
    await tx.objectStore('photos').put(photo('aa', 'v1'))
    await tx.objectStore('drafts').put({ id: 'd1', form: 'visit', data: { step: 1 }, updated_at: 1000 })
    await tx.objectStore('meta').put('device-old', 'device_id')
    await tx.objectStore('meta').put(2, 'next_seq')
    await tx.done
    v1.close()

    // This release opens it through its whole ladder.
    expect(await getSession()).toMatchObject({ token: 'tok-old', user })
    // v2 gave the item and the photo the stored session's user, and made the counter that user's.
    expect(await listOutbox(user.id)).toMatchObject([{ id: 'm1', seq: 1, user_id: user.id, payload: { notes: '送政策' } }])
    expect(await outboxStats()).toEqual({ count: 1, oldestCreatedAt: 1000 })
    expect(await getPhoto('aa')).toMatchObject({ size: 7, user_id: user.id })
    expect(await unsyncedStats(user.id)).toMatchObject({ count: 2, mutations: 1, photos: 1, otherUsers: 0 })
    expect((await getDraft('d1'))?.data).toEqual({ step: 1 })
    expect(await getDeviceId()).toBe('device-old')
    expect((await enqueueMutation({ user_id: user.id, kind: 'visit.save', entity: 'visit', entity_id: 'v2', payload: {} })).seq).toBe(2)
  })

  it('runs only the steps above the stored version, and a new step keeps old data', async () => {
    await setSession('tok-1', user)
    await enqueueMutation({ user_id: user.id, kind: 'visit.save', entity: 'visit', entity_id: 'v1', payload: { a: 1 } }, 1000)
    await closeDb()

    const oldSteps = MIGRATIONS.map((step) => vi.fn<Migration>(step))
    // A future version: a new index on an existing store.
    const nextStep = vi.fn<Migration>((_db, tx) => {
      ;(tx.objectStore('outbox') as unknown as { createIndex(name: string, keyPath: string): void }).createIndex(
        'by_kind',
        'kind',
      )
    })
    const upgraded = await openZoufangDb([...oldSteps, nextStep])

    for (const step of oldSteps) expect(step).not.toHaveBeenCalled()
    expect(nextStep).toHaveBeenCalledTimes(1)
    expect(upgraded.version).toBe(DB_VERSION + 1)
    expect(await upgraded.get('session', 'token')).toBe('tok-1')
    const byKind = upgraded.transaction('outbox').store.index('by_kind' as never)
    expect(await byKind.getAll('visit.save' as never)).toMatchObject([{ entity_id: 'v1', payload: { a: 1 } }])
    upgraded.close()
  })
})
