import { describe, expect, it } from 'vitest'

import type { CampaignRecord } from '../../shared/protocol'
import {
  applyCampaign,
  campaignChoices,
  defaultCampaign,
  newDemand,
  noCampaignNotice,
  newVisitDraft,
  removeDemand,
  splitNames,
  toVisitIn,
  validateVisit,
  visitDraftFromRecord,
  visitSummary,
  type VisitDraft,
} from './visitForm'

const SSSW: CampaignRecord = {
  entity: 'campaign',
  id: 'c-sssw',
  code: 'campaign.sssw',
  name: '2026年“三送三问”人才走访',
  org_unit_id: 'county',
  send_items: [
    { key: 'policy', label: '送政策' },
    { key: 'service', label: '送服务' },
    { key: 'care', label: '送温暖' },
  ],
  ask_items: [
    { key: 'needs', label: '问需' },
    { key: 'difficulties', label: '问难' },
    { key: 'suggestions', label: '问策' },
  ],
  target_kind: 'talent',
  starts_on: '2026-01-01',
  ends_on: '2026-12-31',
  photo_required: false,
  location_required: false,
  album_allowed: true,
  watermark: false,
}
const SLSC: CampaignRecord = {
  ...SSSW,
  id: 'c-slsc',
  code: 'campaign.slsc',
  send_items: [{ key: 'policy', label: '联政策' }],
  ask_items: [
    { key: 'greetings', label: '问候' },
    { key: 'needs', label: '问需' },
  ],
  target_kind: 'unit',
}
const TODAY = '2026-03-07'
const NOW = new Date(2026, 2, 7, 10).getTime()

function filled(): VisitDraft {
  const draft = newVisitDraft({
    id: 'v1',
    campaign: SSSW,
    talent: { id: 't1', name: '张伟' },
    visitorName: '张三',
    today: TODAY,
    now: NOW,
  })
  draft.sends = ['policy', 'care']
  draft.asks['needs'] = '  希望解决子女入学  '
  const demand = newDemand('d1', 'needs')
  demand.category = 'school_enrolment'
  demand.description = '孩子秋季入学'
  draft.demands.push(demand)
  return draft
}

describe('new visit', () => {
  it('starts today, in person, with the visitor and the campaign’s ask items', () => {
    const draft = filled()
    expect(draft.visited_on).toBe(TODAY)
    expect(draft.mode).toBe('in_person')
    expect(draft.visitors).toBe('张三')
    expect(Object.keys(draft.asks)).toEqual(['needs', 'difficulties', 'suggestions'])
    expect(draft.location).toBeNull()
  })

  it('keeps only the send items of a newly chosen campaign', () => {
    const draft = filled()
    applyCampaign(draft, SLSC)
    expect(draft.campaign_id).toBe('c-slsc')
    expect(draft.sends).toEqual(['policy'])
    expect(draft.asks['greetings']).toBe('')
  })
})

describe('splitNames', () => {
  it('splits on Chinese and Latin separators', () => {
    expect(splitNames('张三、李四，王五 赵六;钱七')).toEqual(['张三', '李四', '王五', '赵六', '钱七'])
    expect(splitNames('  ')).toEqual([])
  })
})

describe('validateVisit', () => {
  const rules = { today: TODAY, submit: true }

  it('accepts a complete visit', () => {
    expect(validateVisit(filled(), SSSW, rules)).toEqual({})
  })

  it('asks for a campaign, a talent, a mode and a visitor, in Chinese', () => {
    const draft = filled()
    draft.talent_id = null
    draft.mode = ''
    draft.visitors = ' '
    const errors = validateVisit(draft, undefined, rules)
    expect(errors['campaign']).toBe('请选择走访活动')
    expect(errors['target']).toBe('请选择走访对象')
    expect(errors['mode']).toBe('请选择走访方式')
    expect(errors['visitors']).toBe('请填写走访人')
  })

  it('needs a unit name when the campaign targets a unit', () => {
    const draft = filled()
    applyCampaign(draft, SLSC)
    expect(validateVisit(draft, SLSC, rules)['target']).toBe('请填写走访单位')
    draft.target_unit_name = '清源农业科技有限公司'
    expect(validateVisit(draft, SLSC, rules)['target']).toBeUndefined()
  })

  it('refuses a date in the future', () => {
    const draft = filled()
    draft.visited_on = '2026-03-08'
    expect(validateVisit(draft, SSSW, rules)['visited_on']).toBe('走访日期不能晚于今天')
  })

  it('checks each demand next to its fields', () => {
    const draft = filled()
    draft.demands.push(newDemand('d2', 'difficulties'))
    const errors = validateVisit(draft, SSSW, rules)
    expect(errors['demand.d2.category']).toBe('请选择诉求分类')
    expect(errors['demand.d2.description']).toBe('请填写诉求内容')
    expect(errors['demand.d1.category']).toBeUndefined()
  })

  it('applies the campaign’s photo and location requirements only on submit', () => {
    const strict = { ...SSSW, photo_required: true, location_required: true }
    const errors = validateVisit(filled(), strict, rules)
    expect(errors['photos']).toContain('照片')
    expect(errors['location']).toContain('定位')
    expect(validateVisit(filled(), strict, { today: TODAY, submit: false })).toEqual({})
  })

  it('counts characters as the server does', () => {
    const draft = filled()
    draft.lead_official = '𠀀'.repeat(50) // astral characters: 2 UTF-16 units each
    expect(validateVisit(draft, SSSW, rules)['lead_official']).toBeUndefined()
    draft.lead_official += '李'
    expect(validateVisit(draft, SSSW, rules)['lead_official']).toBe('带队领导不能超过 50 字')
  })
})

describe('toVisitIn', () => {
  it('produces the protocol shape with trimmed text and the demand', () => {
    const draft = filled()
    draft.visitors = '张三、李四'
    draft.location = { latitude: 28.2, longitude: 112.9, accuracy: 12, located_at: '2026-03-07T02:00:00.000Z' }
    draft.photos = ['a'.repeat(64), 'a'.repeat(64), 'b'.repeat(64)]
    const visit = toVisitIn(draft, SSSW)
    expect(visit).toMatchObject({
      id: 'v1',
      campaign_id: 'c-sssw',
      talent_id: 't1',
      target_unit_name: '',
      visited_on: TODAY,
      mode: 'in_person',
      visitors: ['张三', '李四'],
      latitude: 28.2,
      longitude: 112.9,
      accuracy: 12,
      located_at: '2026-03-07T02:00:00.000Z',
      sends: ['policy', 'care'],
      asks: { needs: '希望解决子女入学' },
      photos: ['a'.repeat(64), 'b'.repeat(64)],
    })
    expect(visit.demands).toEqual([
      {
        id: 'd1',
        ask_key: 'needs',
        category: 'school_enrolment',
        description: '孩子秋季入学',
        resolved_on_site: false,
        base_version: 0,
      },
    ])
  })

  it('sends no position when none was taken', () => {
    const visit = toVisitIn(filled(), SSSW)
    expect(visit.latitude).toBeNull()
    expect(visit.located_at).toBeNull()
  })

  it('sends a unit visit without a talent', () => {
    const draft = filled()
    applyCampaign(draft, SLSC)
    draft.target_unit_name = ' 湖滨电子 '
    const visit = toVisitIn(draft, SLSC)
    expect(visit.talent_id).toBeNull()
    expect(visit.target_unit_name).toBe('湖滨电子')
  })

  it('withdraws a removed demand the server has, and forgets a new one', () => {
    const draft = filled()
    draft.demands[0]!.base_version = 3
    draft.demands.push(newDemand('d2', 'needs'))
    removeDemand(draft, 'd1')
    removeDemand(draft, 'd2')
    const visit = toVisitIn(draft, SSSW)
    expect(visit.demands).toHaveLength(1)
    expect(visit.demands![0]).toMatchObject({ id: 'd1', deleted: true, base_version: 3 })
  })
})

describe('reopening a returned visit', () => {
  it('round-trips through the protocol shape and keeps demand versions', () => {
    const original = filled()
    const data = toVisitIn(original, SSSW)
    const draft = visitDraftFromRecord({
      data,
      status: 'returned',
      review_comment: '请补充照片',
      demand_records: [
        { entity: 'demand', id: 'd1', visit_id: 'v1', status: 'received', version: 2, category: 'school_enrolment', description: 'x' },
      ],
      talent_name: '张伟',
    })
    expect(draft.base_status).toBe('returned')
    expect(draft.review_comment).toBe('请补充照片')
    expect(draft.demands[0]!.base_version).toBe(2)
    expect(draft.queued).toBe(true)
    expect(toVisitIn(draft, SSSW)).toEqual({ ...data, demands: [{ ...data.demands![0]!, base_version: 2 }] })
  })
})

describe('visitSummary', () => {
  it('names the talent and the date', () => {
    expect(visitSummary(filled(), SSSW.name)).toEqual({
      title: '人才走访 · 张伟',
      subtitle: `${TODAY} · ${SSSW.name}`,
    })
  })
})

describe('campaigns and the visit date', () => {
  const ENDED: CampaignRecord = { ...SSSW, id: 'c-2025', name: '2025年走访', starts_on: '2025-01-01', ends_on: '2025-12-31' }

  it('offers only the campaigns running on the visit date', () => {
    const draft = newVisitDraft({ id: 'v1', visitorName: '张三', today: TODAY, now: NOW })
    expect(campaignChoices([ENDED, SSSW], draft).map((c) => c.id)).toEqual(['c-sssw'])
    draft.visited_on = '2025-11-30'
    expect(campaignChoices([ENDED, SSSW], draft).map((c) => c.id)).toEqual(['c-2025'])
    draft.visited_on = '2024-05-01'
    expect(campaignChoices([ENDED, SSSW], draft)).toEqual([])
  })

  it('keeps the own campaign of a reopened record on offer, even after it ended', () => {
    const draft = visitDraftFromRecord({ data: toVisitIn({ ...filled(), campaign_id: ENDED.id, visited_on: '2025-06-01' }, ENDED), status: 'returned', review_comment: '' })
    draft.visited_on = '2026-01-05'
    expect(campaignChoices([ENDED, SSSW], draft).map((c) => c.id)).toEqual(['c-2025', 'c-sssw'])
    expect(validateVisit(draft, ENDED, { today: TODAY, submit: true })['campaign']).toBeUndefined()
  })

  it('refuses a new visit dated outside its campaign, naming the dates', () => {
    const draft = filled()
    draft.visited_on = '2025-12-30'
    expect(validateVisit(draft, SSSW, { today: TODAY, submit: false })['campaign']).toBe(
      '走访日期不在该活动时间内（2026-01-01 至 2026-12-31），请改选活动或核对日期',
    )
    draft.visited_on = '2026-01-01'
    expect(validateVisit(draft, SSSW, { today: TODAY, submit: true })['campaign']).toBeUndefined()
  })

  it('starts no campaign when none runs, and says so plainly with who can fix it', () => {
    expect(defaultCampaign([ENDED, SLSC, SSSW], TODAY)?.id).toBe('c-sssw')
    expect(defaultCampaign([ENDED, SLSC, SSSW], TODAY, 'c-slsc')?.id).toBe('c-slsc')
    expect(defaultCampaign([ENDED, SLSC, SSSW], TODAY, 'c-2025')?.id).toBe('c-sssw')
    expect(defaultCampaign([ENDED], TODAY)).toBeUndefined()
    expect(noCampaignNotice(TODAY, TODAY)).toBe('当前没有进行中的走访活动，请联系管理员设置。已填内容会保存为草稿。')
    expect(noCampaignNotice('2024-05-01', TODAY)).toBe('2024-05-01 没有进行中的走访活动。请核对走访日期，或联系管理员设置。')
  })
})
