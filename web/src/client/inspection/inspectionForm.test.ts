import { describe, expect, it } from 'vitest'

import type { ChecklistTemplateRecord } from '../../shared/protocol'
import {
  activeRectifications,
  defaultScore,
  ensureItemDrafts,
  groupByDimension,
  inspectionDraftFromRecord,
  newInspectionDraft,
  newRectification,
  removeRectification,
  setResult,
  toInspectionIn,
  totals,
  validateInspection,
} from './inspectionForm'

const item = (id: string, dimension: string, max: number, position: number) => ({
  id,
  dimension,
  title: `项目${id}`,
  standard: '',
  max_score: max,
  method: 'site_check',
  position,
})
const TEMPLATE: ChecklistTemplateRecord = {
  entity: 'checklist_template',
  id: 'tpl',
  name: '检查表',
  description: '',
  org_unit_id: 'county',
  items: [item('a', '阵地建设', 10, 0), item('c', '服务功能', 10, 2), item('b', '阵地建设', 5, 1), item('d', '环境', 5, 3)],
}
const TODAY = '2026-03-07'
let counter = 0
const ids = (): string => `id${++counter}`

function draft() {
  return newInspectionDraft({ id: 'i1', template: TEMPLATE, center: { id: 'sc1', name: '南关村党群服务中心' }, today: TODAY, now: 0 })
}

describe('grouping', () => {
  it('groups by dimension in template order', () => {
    const groups = groupByDimension(TEMPLATE.items)
    expect(groups.map((g) => g.dimension)).toEqual(['阵地建设', '服务功能', '环境'])
    expect(groups[0]!.items.map((i) => i.id)).toEqual(['a', 'b'])
  })
})

describe('item entries', () => {
  it('exist for every item before any result, and add nothing to the record', () => {
    const d = draft()
    ensureItemDrafts(d, TEMPLATE, ids)
    expect(Object.keys(d.items).sort()).toEqual(['a', 'b', 'c', 'd'])
    const rowId = d.items['a']!.id
    setResult(d, TEMPLATE.items[0]!, 'met', ids)
    expect(d.items['a']!.id).toBe(rowId)
    ensureItemDrafts(d, TEMPLATE, ids)
    expect(d.items['a']!.result).toBe('met')
    expect(toInspectionIn(d, TEMPLATE).item_results).toHaveLength(1)
    expect(totals(TEMPLATE.items, d.items)).toMatchObject({ answered: 1, max: 30 })
  })
})

describe('scores', () => {
  it('defaults to full marks for 达标, half for 部分达标, none for 不达标', () => {
    expect(defaultScore('met', 10)).toBe(10)
    expect(defaultScore('partly_met', 5)).toBe(2.5)
    expect(defaultScore('not_met', 10)).toBe(0)
    expect(defaultScore('not_applicable', 10)).toBe(0)
  })

  it('totals answered items and leaves 不适用 out of the maximum', () => {
    const d = draft()
    setResult(d, TEMPLATE.items[0]!, 'met', ids) // a: 10/10
    setResult(d, TEMPLATE.items[2]!, 'partly_met', ids) // b: 2.5/5
    setResult(d, TEMPLATE.items[3]!, 'not_applicable', ids) // d: out
    expect(totals(TEMPLATE.items, d.items)).toEqual({ score: 12.5, max: 25, answered: 3, count: 4, shortfalls: 1 })
  })

  it('caps a score at the item maximum in totals', () => {
    const d = draft()
    setResult(d, TEMPLATE.items[0]!, 'met', ids)
    d.items['a']!.score = 99
    expect(totals(TEMPLATE.items, d.items).score).toBe(10)
  })

  it('resets the score when the result changes', () => {
    const d = draft()
    setResult(d, TEMPLATE.items[0]!, 'met', ids)
    const rowId = d.items['a']!.id
    setResult(d, TEMPLATE.items[0]!, 'not_met', ids)
    expect(d.items['a']).toMatchObject({ id: rowId, result: 'not_met', score: 0 })
  })
})

describe('validateInspection', () => {
  it('wants every item answered on submit, but not for a draft', () => {
    const d = draft()
    setResult(d, TEMPLATE.items[0]!, 'met', ids)
    const errors = validateInspection(d, TEMPLATE, { today: TODAY, submit: true })
    expect(errors['item.b.result']).toBe('请选择检查结果')
    expect(errors['item.a.result']).toBeUndefined()
    expect(validateInspection(d, TEMPLATE, { today: TODAY, submit: false })).toEqual({})
  })

  it('checks the score range', () => {
    const d = draft()
    for (const i of TEMPLATE.items) setResult(d, i, 'met', ids)
    d.items['b']!.score = 6
    expect(validateInspection(d, TEMPLATE, { today: TODAY, submit: true })['item.b.score']).toBe('得分应在 0 到 5 之间')
  })

  it('asks for the centre and for a rectification’s unit', () => {
    const d = draft()
    d.service_center_id = ''
    for (const i of TEMPLATE.items) setResult(d, i, 'met', ids)
    setResult(d, TEMPLATE.items[1]!, 'not_met', ids)
    d.rectifications.push(newRectification('r1', TEMPLATE.items[1]!, d.items['c'], TODAY))
    const errors = validateInspection(d, TEMPLATE, { today: TODAY, submit: true })
    expect(errors['center']).toBe('请选择党群服务中心')
    expect(errors['rect.r1.unit']).toBe('请填写责任单位')
    expect(errors['rect.r1.issue']).toBeUndefined()
  })
})

describe('rectifications', () => {
  it('start from the shortfall with a 30-day deadline', () => {
    const d = draft()
    setResult(d, TEMPLATE.items[1]!, 'not_met', ids)
    d.items['c']!.note = '代办员未到岗'
    const r = newRectification('r1', TEMPLATE.items[1]!, d.items['c'], TODAY)
    expect(r).toMatchObject({ item_id: 'c', issue: '项目c：代办员未到岗', deadline: '2026-04-06', base_version: 0 })
  })

  it('drop out of the record when the item is no longer a shortfall', () => {
    const d = draft()
    setResult(d, TEMPLATE.items[1]!, 'not_met', ids)
    d.rectifications.push(newRectification('r1', TEMPLATE.items[1]!, d.items['c'], TODAY))
    expect(activeRectifications(d)).toHaveLength(1)
    setResult(d, TEMPLATE.items[1]!, 'met', ids)
    expect(activeRectifications(d)).toHaveLength(0)
    expect(toInspectionIn(d, TEMPLATE).rectifications).toEqual([])
  })
})

describe('toInspectionIn', () => {
  it('produces the protocol shape with item results and the rectification', () => {
    const d = draft()
    for (const i of TEMPLATE.items) setResult(d, i, 'met', ids)
    setResult(d, TEMPLATE.items[1]!, 'partly_met', ids)
    d.items['c']!.photos = ['f'.repeat(64)]
    d.rectifications.push({ ...newRectification('r1', TEMPLATE.items[1]!, d.items['c'], TODAY), responsible_unit_name: ' 南关村党支部 ' })
    const out = toInspectionIn(d, TEMPLATE)
    expect(out).toMatchObject({ id: 'i1', service_center_id: 'sc1', template_id: 'tpl', inspected_on: TODAY, latitude: null })
    expect(out.item_results).toHaveLength(4)
    expect(out.item_results!.find((r) => r.item_id === 'c')).toMatchObject({ result: 'partly_met', score: 5, photos: ['f'.repeat(64)] })
    expect(out.rectifications).toEqual([
      { id: 'r1', item_id: 'c', issue: '项目c：部分达标', responsible_unit_name: '南关村党支部', deadline: '2026-04-06', base_version: 0 },
    ])
  })

  it('withdraws a removed rectification the server has', () => {
    const d = draft()
    setResult(d, TEMPLATE.items[1]!, 'not_met', ids)
    d.rectifications.push({ ...newRectification('r1', TEMPLATE.items[1]!, d.items['c'], TODAY), base_version: 4 })
    removeRectification(d, 'r1')
    expect(toInspectionIn(d, TEMPLATE).rectifications).toEqual([expect.objectContaining({ id: 'r1', deleted: true, base_version: 4 })])
  })

  it('round-trips through reopening', () => {
    const d = draft()
    for (const i of TEMPLATE.items) setResult(d, i, 'met', ids)
    setResult(d, TEMPLATE.items[1]!, 'not_met', ids)
    d.rectifications.push({ ...newRectification('r1', TEMPLATE.items[1]!, d.items['c'], TODAY), responsible_unit_name: '村委' })
    const data = toInspectionIn(d, TEMPLATE)
    const reopened = inspectionDraftFromRecord({ data, status: 'returned', review_comment: '补充整改时限' })
    expect(toInspectionIn(reopened, TEMPLATE)).toEqual(data)
    expect(reopened.base_status).toBe('returned')
  })
})
