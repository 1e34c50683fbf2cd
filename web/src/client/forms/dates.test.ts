import { describe, expect, it } from 'vitest'

import { addDays, fromPickerValue, isIsoDate, isoDate, shortDate, toPickerValue } from './dates'

describe('dates', () => {
  it('formats local calendar dates', () => {
    expect(isoDate(new Date(2026, 0, 5, 23, 59).getTime())).toBe('2026-01-05')
  })
  it('adds days across months and years', () => {
    expect(addDays('2026-01-31', 1)).toBe('2026-02-01')
    expect(addDays('2026-12-15', 30)).toBe('2027-01-14')
  })
  it('checks real dates', () => {
    expect(isIsoDate('2026-02-28')).toBe(true)
    expect(isIsoDate('2026-02-30')).toBe(false)
    expect(isIsoDate('2026-2-3')).toBe(false)
  })
  it('converts for the date picker', () => {
    expect(toPickerValue('2026-03-07')).toEqual(['2026', '03', '07'])
    expect(toPickerValue('')).toEqual([])
    expect(fromPickerValue(['2026', '03', '07'])).toBe('2026-03-07')
  })
  it('shortens for lists, with the year only when it is not this year', () => {
    const now = new Date(2026, 5, 1).getTime()
    expect(shortDate('2026-03-07', now)).toBe('3月7日')
    expect(shortDate('2025-12-30', now)).toBe('2025年12月30日')
    expect(shortDate(null, now)).toBe('')
  })
})
