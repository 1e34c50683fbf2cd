import { describe, expect, it } from 'vitest'

import { syncErrorMessage } from './messages'

describe('what a refused change says on the record', () => {
  it('explains a visit outside its campaign, and who can fix a missing campaign', () => {
    const text = syncErrorMessage('sync.outside_campaign', { field: 'visited_on' })
    expect(text).toContain('走访日期不在所选走访活动的起止日期内')
    expect(text).toContain('联系管理员')
    const named = { field: 'visited_on', campaign_name: '2026年“三送三问”人才走访', starts_on: '2026-01-01', ends_on: '2026-12-31' }
    expect(syncErrorMessage('sync.outside_campaign', named)).toBe(
      '走访日期不在所选走访活动（2026年“三送三问”人才走访，2026-01-01 至 2026-12-31）的起止日期内，服务器未接收。' +
        '请打开这条记录，改选走访当天进行中的走访活动后重新提交；如没有，请联系管理员设置。',
    )
  })

  it('says what a refused field must be when the server names it', () => {
    expect(syncErrorMessage('sync.validation', { field: 'visited_on' })).toBe(
      '“走访日期”填写有误（须在所选走访活动的起止日期内，且不晚于今天），服务器未接收。请打开这条记录修改后重新提交。',
    )
    expect(syncErrorMessage('sync.validation', { field: 'place' })).toBe(
      '“地点”填写有误，服务器未接收。请打开这条记录修改后重新提交。',
    )
    expect(syncErrorMessage('sync.validation')).toBe('内容有误，服务器未接收。请打开这条记录检查后重新提交。')
  })
})
