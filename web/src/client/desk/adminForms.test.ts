import { describe, expect, it } from 'vitest'

import { ApiError } from '../http'
import { json, signedInEachTest } from '../testing/signedIn'
import { adminErrorMessage, fieldErrorsOf } from './adminForm'
import { ASK_VARIANT, type Campaign, checkCampaign, emptyCampaign, formOf, moveItem, saveCampaign } from './campaigns/campaignForms'
import {
  centreBody,
  checkCentre,
  checkTalent,
  deactivateRoster,
  emptyCentre,
  emptyTalent,
  saveRoster,
  talentBody,
} from './rosters/rosterForms'
import { checkTemplate, emptyTemplate, newItem, totalScore } from './templates/templateForms'

const fetchMock = signedInEachTest()
const UNIT = '5f0e2a9c-3b1d-4c8e-9a7f-6d2b1c0e4f11'

describe('talent and centre forms', () => {
  it('name every wrong field in Chinese', () => {
    const talent = { ...emptyTalent(1800), phone: 'abc' }
    expect(checkTalent(talent)).toEqual({
      name: '请填写名称',
      org_unit_id: '请选择所属镇街',
      category: '请选择人才类别',
      phone: '请填写正确的电话号码（7 到 20 位数字）',
      roster_year: '请填写正确的名单年度',
    })
    const good = { ...emptyTalent(2026), name: '张三', org_unit_id: UNIT, category: 'high_skill' }
    expect(checkTalent(good)).toEqual({})
  })

  it('need both coordinates, within WGS-84 bounds', () => {
    const centre = { ...emptyCentre(), name: '东门社区', org_unit_id: UNIT }
    expect(checkCentre({ ...centre, latitude: '28.1' })).toEqual({ longitude: '经纬度需同时填写' })
    expect(checkCentre({ ...centre, latitude: '91', longitude: 'x' })).toEqual({
      latitude: '纬度应在 -90 到 90 之间',
      longitude: '经度应在 -180 到 180 之间',
    })
    expect(centreBody({ ...centre, latitude: ' 28.5 ', longitude: '113' })).toMatchObject({ latitude: 28.5, longitude: 113 })
    expect(centreBody(centre)).toMatchObject({ latitude: null, longitude: null })
  })

  it('keep the stored phone when an edit leaves it empty', () => {
    expect(talentBody({ ...emptyTalent(2026), version: 3 })['phone']).toBeNull()
    expect(talentBody({ ...emptyTalent(2026), version: 0 })['phone']).toBe('')
    expect(talentBody({ ...emptyTalent(2026), phone: ' 13800001111 ', version: 3 })['phone']).toBe('13800001111')
  })

  it('save and deactivate through the admin endpoints', async () => {
    fetchMock.mockResolvedValueOnce(json(201, { id: 'a', version: 1, active: true }))
    await saveRoster('talents', null, { name: '张三' })
    fetchMock.mockResolvedValueOnce(json(200, { id: 'a', version: 2, active: false }))
    await deactivateRoster('service-centers', 'a', 1)
    const calls = fetchMock.mock.calls.map(([url, init]) => [url, init?.method, init?.body])
    expect(calls).toEqual([
      ['/api/admin/talents', 'POST', JSON.stringify({ name: '张三' })],
      ['/api/admin/service-centers/a/deactivate', 'POST', JSON.stringify({ version: 1 })],
    ])
  })

  it('put the server’s field messages next to the fields', async () => {
    const fields = { org_unit_id: '所选单位不存在或不在您的管理范围内' }
    fetchMock.mockResolvedValueOnce(json(400, { code: 'roster.invalid', message: 'x', details: { fields } }))
    const error = await saveRoster('talents', 'a', {}).catch((e: unknown) => e)
    expect(fieldErrorsOf(error)).toEqual(fields)
    expect(adminErrorMessage(error)).toBe('输入有误，请检查标出的字段')
    expect(fieldErrorsOf(new ApiError(409, 'roster.stale_version', 'x'))).toEqual({})
    expect(adminErrorMessage(new ApiError(409, 'roster.stale_version', 'x'))).toBe('该条目已被他人修改，请刷新后重试')
  })
})

describe('campaign form', () => {
  const valid = {
    ...emptyCampaign(),
    name: '三联三促',
    org_unit_id: UNIT,
    starts_on: '2027-01-01',
    ends_on: '2027-12-31',
    send_items: [{ key: 'policy', label: '送政策' }],
    ask_items: ASK_VARIANT.map((i) => ({ ...i })),
  }

  it('accepts the speech’s 问候/问情/问需/问策 variant and checks items and dates', () => {
    expect(checkCampaign(valid)).toEqual({})
    expect(
      checkCampaign({ ...valid, ends_on: '2026-01-01', send_items: [], ask_items: [{ key: 'a', label: 'x' }, { key: 'a', label: 'y' }] }),
    ).toEqual({ ends_on: '结束日期不能早于开始日期', send_items: '至少需要一项', ask_items: '代码不能重复' })
    expect(checkCampaign({ ...valid, ask_items: [{ key: 'Needs', label: '问需' }] })['ask_items']).toMatch(/小写字母/)
  })

  it('reorders items and edits only the live ones', async () => {
    const moved = moveItem(valid.ask_items, 0, 1)
    expect(moved.map((i) => i.label)).toEqual(['问情', '问候', '问需', '问策'])
    expect(moveItem(valid.ask_items, 0, -1)).toBe(valid.ask_items)
    const stored: Campaign = {
      ...valid,
      id: 'c',
      code: 'campaign.x',
      active: true,
      version: 2,
      ask_items: [{ key: 'needs', label: '问需' }, { key: 'greet', label: '问候', retired: true }],
    }
    const form = formOf(stored)
    expect(form.ask_items).toEqual([{ key: 'needs', label: '问需' }])
    expect(form).not.toHaveProperty('id')
    fetchMock.mockResolvedValueOnce(json(200, stored))
    await saveCampaign('c', form)
    expect(fetchMock.mock.calls[0]![0]).toBe('/api/admin/campaigns/c')
    expect(fetchMock.mock.calls[0]![1]?.method).toBe('PUT')
  })
})

describe('checklist template form', () => {
  it('checks each item by its place and totals the scores', () => {
    const form = { ...emptyTemplate(), name: '提标升级', org_unit_id: UNIT }
    expect(checkTemplate(form)).toEqual({ items: '至少需要一项检查内容' })
    const items = [{ ...newItem('阵地建设'), title: '面积', max_score: 60 }, { ...newItem(), max_score: 0, method: 'x' }]
    expect(checkTemplate({ ...form, items })).toEqual({
      'items.1.dimension': '请填写维度（最多 50 个字）',
      'items.1.title': '请填写检查项目（最多 200 个字）',
      'items.1.max_score': '满分应大于 0 且不超过 1000',
      'items.1.method': '请选择检查方式',
    })
    expect(totalScore(items)).toBe(60)
  })
})
