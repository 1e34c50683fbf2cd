import { describe, expect, it } from 'vitest'

import { entityLabel, OUTBOX_STATUS_LABELS } from './labels'

describe('outbox labels', () => {
  it('names known entities and shows others as sent', () => {
    expect(entityLabel('visit')).toBe('人才走访')
    expect(entityLabel('inspection')).toBe('阵地检查')
    expect(entityLabel('campaign')).toBe('campaign')
    expect(entityLabel('hasOwnProperty')).toBe('hasOwnProperty')
  })

  it('names every status', () => {
    expect(OUTBOX_STATUS_LABELS).toEqual({ pending: '待发送', sending: '发送中', rejected: '未被接收', conflict: '有冲突' })
  })
})
