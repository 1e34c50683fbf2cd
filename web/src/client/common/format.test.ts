import { describe, expect, it } from 'vitest'

import { formatAge, formatDateTime, greetingFor, isStale, STALE_AFTER_MS } from './format'

const NOW = Date.UTC(2025, 2, 7, 12, 0, 0)
const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

describe('formatAge', () => {
  it.each([
    [0, '刚刚'],
    [59 * 1000, '刚刚'],
    [MINUTE, '1分钟前'],
    [59 * MINUTE, '59分钟前'],
    [HOUR, '1小时前'],
    [23 * HOUR + 59 * MINUTE, '23小时前'],
    [DAY, '1天前'],
    [3 * DAY + 5 * HOUR, '3天前'],
    [40 * DAY, '40天前'],
  ])('%i ms ago reads %s', (elapsed, text) => {
    expect(formatAge(NOW - elapsed, NOW)).toBe(text)
  })

  it('reads a future time (clock skew) as just now', () => {
    expect(formatAge(NOW + HOUR, NOW)).toBe('刚刚')
  })
})

describe('isStale', () => {
  it('warns from three days on', () => {
    expect(STALE_AFTER_MS).toBe(3 * DAY)
    expect(isStale(null, NOW)).toBe(false)
    expect(isStale(NOW - 3 * DAY + 1, NOW)).toBe(false)
    expect(isStale(NOW - 3 * DAY, NOW)).toBe(true)
  })
})

describe('formatDateTime', () => {
  it('pads to YYYY-MM-DD HH:mm in local time', () => {
    const local = new Date(2025, 0, 5, 8, 3).getTime()
    expect(formatDateTime(local)).toBe('2025-01-05 08:03')
  })
})

describe('greetingFor', () => {
  it.each([
    [5, '早上好'],
    [10, '早上好'],
    [11, '中午好'],
    [13, '下午好'],
    [17, '下午好'],
    [18, '晚上好'],
    [0, '晚上好'],
    [4, '晚上好'],
  ])('hour %i: %s', (hour, text) => {
    expect(greetingFor(hour)).toBe(text)
  })
})
