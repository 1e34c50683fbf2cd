import { describe, expect, it } from 'vitest'

import { ApiError } from '../http'
import { session } from '../auth/session'
import { json, signedInEachTest } from '../testing/signedIn'
import {
  demandErrorMessage,
  dueDateAfter,
  eventLabel,
  getDemand,
  listDemands,
  missingInput,
  needsReload,
  takeStep,
  todoView,
  viewsFor,
} from './demands'

const fetchMock = signedInEachTest()

const demand = {
  id: 'd1',
  version: 3,
  status: 'assigned',
  category: 'housing',
  description: '申请人才公寓',
  events: [{ id: 'e1', kind: 'received', actor_name: '张三', note: '', data: {}, created_at: '2026-11-20T02:00:00Z' }],
  actions: ['progress', 'reply'],
}

function sentBody(call = 0): Record<string, unknown> {
  return JSON.parse(String(fetchMock.mock.calls[call]![1]?.body)) as Record<string, unknown>
}

describe('steps on a demand', () => {
  it('offers only the steps this screen has a form for, and names the new events', async () => {
    fetchMock.mockResolvedValueOnce(json(200, { ...demand, actions: ['acknowledge', 'progress', 'send_back'] }))
    expect((await getDemand('d1')).actions).toEqual(['progress'])
    expect([eventLabel('acknowledge'), eventLabel('send_back'), eventLabel('redo'), eventLabel('urge')]).toEqual([
      '签收',
      '退单',
      '重办',
      '催办',
    ])
  })

  it('assign sends the handler unit and the due date with the version read', async () => {
    fetchMock.mockResolvedValueOnce(json(200, { ...demand, version: 4 }))
    const after = await takeStep({ id: 'd1', version: 3 }, 'assign', {
      handler_unit_id: 'u1',
      due_date: '2026-12-03',
      note: ' 请牵头办理 ',
      satisfaction: 'satisfied',
    })
    expect(after.version).toBe(4)
    expect(fetchMock.mock.calls[0]![0]).toBe('/api/demands/d1/actions')
    expect(sentBody()).toEqual({ action: 'assign', version: 3, note: '请牵头办理', handler_unit_id: 'u1', due_date: '2026-12-03' })
  })

  it('revisit sends the satisfaction; other steps only their note', async () => {
    fetchMock.mockImplementation(async () => json(200, demand))
    await takeStep({ id: 'd1', version: 5 }, 'revisit', { satisfaction: 'unsatisfied', handler_unit_id: 'u1' })
    await takeStep({ id: 'd1', version: 6 }, 'reply', { note: '已办理', due_date: '2026-12-03' })
    expect(sentBody(0)).toEqual({ action: 'revisit', version: 5, note: '', satisfaction: 'unsatisfied' })
    expect(sentBody(1)).toEqual({ action: 'reply', version: 6, note: '已办理' })
  })

  it('says what a step still lacks before it is sent', () => {
    expect(missingInput('assign', { due_date: '2026-12-03' })).toBe('请选择承办单位')
    expect(missingInput('assign', { handler_unit_id: 'u1' })).toBe('请选择办理时限')
    expect(missingInput('assign', { handler_unit_id: 'u1', due_date: '2026-12-03' })).toBe('')
    expect(missingInput('reply', { note: '  ' })).toBe('请填写答复内容')
    expect(missingInput('escalate', {})).toBe('请填写督办要求')
    expect(missingInput('revisit', {})).toBe('请选择满意度')
    expect(missingInput('progress', {})).toBe('')
    expect(missingInput('close_out', {})).toBe('')
  })

  it('asks to sign in again when the sign-in has expired', async () => {
    fetchMock.mockResolvedValueOnce(json(401, { code: 'auth.required', message: 'sign in' }))
    await expect(getDemand('d1')).rejects.toMatchObject({ code: 'auth.required' })
    expect(session.needsReauth).toBe(true)
  })

  it('refuses answers that are not the server’s (a Wi-Fi sign-in page)', async () => {
    fetchMock.mockResolvedValueOnce(json(200, { hello: 'portal' }))
    await expect(listDemands('open')).rejects.toMatchObject({ code: 'response.invalid' })
    fetchMock.mockResolvedValueOnce(json(200, { id: 'd1', status: 'assigned', version: 1 }))
    await expect(getDemand('d1')).rejects.toMatchObject({ code: 'response.invalid' })
  })

  it('reads a list page', async () => {
    fetchMock.mockResolvedValueOnce(json(200, { total: 7, items: [demand] }))
    const page = await listDemands('overdue', 1, 3)
    expect(page.total).toBe(7)
    expect(fetchMock.mock.calls[0]![0]).toBe('/api/demands?view=overdue&limit=1&offset=3')
  })
})

describe('what each role follows', () => {
  it('gives a reviewer the whole loop, a handler its own work, a visitor the callbacks', () => {
    expect(viewsFor('supervisor').map((v) => v.name)).toEqual(['to_assign', 'in_hand', 'replied', 'revisited', 'overdue', 'finished'])
    expect(viewsFor('handler').map((v) => v.title)).toEqual(['待办理', '超期', '已答复', '已办结'])
    expect(todoView('handler')).toBe('in_hand')
    expect(todoView('field_staff')).toBe('replied')
    expect(todoView('admin')).toBe('to_assign')
  })
})

describe('due dates', () => {
  it('counts working days, skipping weekends', () => {
    // Tuesday 2026-11-24 + 7 working days = Thursday 2026-12-03.
    expect(dueDateAfter('2026-11-24')).toBe('2026-12-03')
    // From a Friday, one working day is the Monday after.
    expect(dueDateAfter('2026-11-27', 1)).toBe('2026-11-30')
    // From a Saturday, five working days end on the next Friday.
    expect(dueDateAfter('2026-11-28', 5)).toBe('2026-12-04')
  })
})

describe('wording', () => {
  it('names steps and events in Chinese and explains refusals', () => {
    expect(['received', 'resolved_on_site', 'assign', 'close_out', 'escalate'].map(eventLabel)).toEqual([
      '受理',
      '当场解决',
      '交办',
      '办结销号',
      '督办',
    ])
    const stale = new ApiError(409, 'demand.stale_version', 'changed')
    expect(demandErrorMessage(stale)).toContain('刚被他人处理过')
    expect(needsReload(stale)).toBe(true)
    expect(needsReload(new ApiError(400, 'demand.note_required', 'note'))).toBe(false)
    expect(demandErrorMessage(new ApiError(0, 'network.offline', 'offline'))).toBe('需要联网才能查看和办理诉求。')
    expect(demandErrorMessage(new ApiError(500, 'server.error', 'boom'))).toBe('服务器出错，请稍后重试')
  })
})
