import { describe, expect, it } from 'vitest'

import { session } from '../auth/session'
import { json, signedInEachTest } from '../testing/signedIn'
import { conflictTitle, conflictValue, isFreeText, listConflicts, mergedDraft, resolveConflict } from './conflicts'

const stored = {
  id: 'c00f0474-d26c-49c4-9e7a-f933a8df6580',
  entity: 'visit',
  entity_id: '401ec131-7d63-58f0-837a-9ddce8a7f344',
  record_entity: 'visit',
  record_id: '401ec131-7d63-58f0-837a-9ddce8a7f344',
  record_label: '王五 · 2026-11-20',
  field: 'place',
  base_value: '城关镇',
  server_value: '县人才中心',
  client_value: '人才公寓',
  current_value: '县人才中心',
  author_id: '9c96afd4-9079-53e6-8d3a-8cd01ae6acd3',
  author_name: '张三',
  device_id: 'phone-1',
  mutation_id: '0096b192-220d-5972-8054-fb23698a53fa',
  created_at: '2026-11-24T06:00:01.250000Z',
  resolved: false,
  resolution: null,
  writable: true,
}


const fetchMock = signedInEachTest()

describe('conflict values', () => {
  it('reads empty values, booleans, lists, photos, asks and coded fields in Chinese', () => {
    expect(conflictValue('place', '')).toBe('（空）')
    expect(conflictValue('place', null)).toBe('（空）')
    expect(conflictValue('resolved_on_site', true)).toBe('是')
    expect(conflictValue('_deleted', true)).toBe('删除')
    expect(conflictValue('_deleted', false)).toBe('保留')
    expect(conflictValue('visitors', ['张三', '李四'])).toBe('张三、李四')
    expect(conflictValue('visitors', [])).toBe('（空）')
    expect(conflictValue('photos', ['a'.repeat(64), 'b'.repeat(64)])).toBe('2 张照片')
    expect(conflictValue('asks', { needs: '子女入学' })).toBe('needs：子女入学')
    expect(conflictValue('mode', 'phone')).toBe('电话')
    expect(conflictValue('score', 8)).toBe('8')
  })

  it('names the field, and the nested row it belongs to', () => {
    expect(conflictTitle({ entity: 'visit', record_entity: 'visit', field: 'notes' })).toBe('备注')
    expect(conflictTitle({ entity: 'demand', record_entity: 'visit', field: 'description' })).toBe('诉求 · 诉求内容')
    expect(conflictTitle({ entity: 'rectification', record_entity: 'inspection', field: '_deleted' })).toBe('整改事项 · 是否删除')
  })
})

describe('merging texts', () => {
  it('offers a merge only for fields people write as text, starting from both texts', () => {
    expect(['notes', 'policies', 'description', 'note', 'issue'].map(isFreeText)).toEqual([true, true, true, true, true])
    expect(['place', 'mode', 'photos', 'visited_on', '_deleted', 'score'].map(isFreeText)).toEqual([false, false, false, false, false, false])
    expect(mergedDraft({ current_value: '县人才中心', client_value: '人才公寓' })).toBe('县人才中心\n人才公寓')
    expect(mergedDraft({ current_value: '', client_value: '人才公寓' })).toBe('人才公寓')
    expect(mergedDraft({ current_value: '同一段', client_value: '同一段' })).toBe('同一段')
  })
})

describe('conflicts on the server', () => {
  it('lists the open conflicts of one record with the session token', async () => {
    fetchMock.mockResolvedValueOnce(json(200, [stored]))
    const listed = await listConflicts(stored.record_id)
    expect(listed.map((c) => [c.record_label, c.writable])).toEqual([['王五 · 2026-11-20', true]])
    const [url, init] = fetchMock.mock.calls[0]!
    expect(url).toBe(`/api/sync/conflicts?status=open&record_id=${stored.record_id}`)
    expect(new Headers(init?.headers).get('Authorization')).toBe('Bearer tok-1')
  })

  it('sends the resolution and decodes the stored answer', async () => {
    fetchMock.mockResolvedValueOnce(json(200, { ...stored, resolved: true, resolution: 'client' }))
    const done = await resolveConflict(stored.id, 'client')
    expect(done.resolved).toBe(true)
    const [url, init] = fetchMock.mock.calls[0]!
    expect(url).toBe(`/api/sync/conflicts/${stored.id}/resolve`)
    expect(init?.method).toBe('POST')
    expect(JSON.parse(String(init?.body))).toEqual({ resolution: 'client' })
  })

  it('sends a merged text as the value', async () => {
    fetchMock.mockResolvedValueOnce(json(200, { ...stored, resolved: true, resolution: 'value' }))
    await resolveConflict(stored.id, 'value', '县人才中心\n人才公寓')
    const [, init] = fetchMock.mock.calls[0]!
    expect(JSON.parse(String(init?.body))).toEqual({ resolution: 'value', value: '县人才中心\n人才公寓' })
  })

  it('asks to sign in again when the token has expired, and says why', async () => {
    fetchMock.mockResolvedValueOnce(json(401, { code: 'auth.required', message: 'sign in' }))
    await expect(listConflicts()).rejects.toMatchObject({ code: 'auth.required' })
    expect(session.needsReauth).toBe(true)
  })

  it('refuses an answer that is not a list (a Wi-Fi sign-in page)', async () => {
    fetchMock.mockResolvedValueOnce(json(200, { hello: 'portal' }))
    await expect(listConflicts()).rejects.toMatchObject({ code: 'response.invalid' })
  })
})
