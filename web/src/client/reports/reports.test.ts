import { describe, expect, it } from 'vitest'

import { ApiError, filenameOf } from '../http'
import { downloadAsUser } from '../auth/request'
import { session } from '../auth/session'
import { json, signedInEachTest } from '../testing/signedIn'
import { fetchWeekly, figure, isoWeekOf, mondayOf, reportErrorMessage, shiftWeek, weekLabel } from './reports'

const fetchMock = signedInEachTest()

describe('ISO weeks', () => {
  it('names the week a date falls in, the Thursday deciding the year', () => {
    expect(isoWeekOf('2026-11-24')).toBe('2026-W48')
    expect(isoWeekOf('2026-11-22')).toBe('2026-W47') // a Sunday ends its week
    expect(isoWeekOf('2026-11-16')).toBe('2026-W47') // a Monday starts one
    expect(isoWeekOf('2026-12-31')).toBe('2026-W53')
    expect(isoWeekOf('2027-01-03')).toBe('2026-W53')
    expect(isoWeekOf('2027-01-04')).toBe('2027-W01')
    expect(isoWeekOf('2025-12-29')).toBe('2026-W01')
  })

  it('finds Mondays, steps over year ends, and reads in Chinese', () => {
    expect(mondayOf('2026-W47')).toBe('2026-11-16')
    expect(mondayOf('2026-W01')).toBe('2025-12-29')
    expect(shiftWeek('2026-W53', 1)).toBe('2027-W01')
    expect(shiftWeek('2027-W01', -1)).toBe('2026-W53')
    expect(shiftWeek('2026-W48', -1)).toBe('2026-W47')
    expect(weekLabel('2026-W47')).toBe('2026年第47周（11月16日—11月22日）')
    expect(weekLabel('2026-W53')).toBe('2026年第53周（12月28日—1月3日）')
  })

  it('shows rates as percentages and missing figures as a dash', () => {
    expect(figure(0.5, true)).toBe('50.0%')
    expect(figure(0.0153, true)).toBe('1.5%')
    expect(figure(null, true)).toBe('—')
    expect(figure(12)).toBe('12')
  })
})

describe('the summary from the server', () => {
  it('is asked for by week as the signed-in user, and checked', async () => {
    fetchMock.mockResolvedValueOnce(json(200, { week: '2026-W47', sections: [], overview: {} }))
    await fetchWeekly('2026-W47')
    const [url, init] = fetchMock.mock.calls[0]!
    expect(url).toBe('/api/reports/weekly?week=2026-W47')
    expect((init?.headers as Record<string, string>)['Authorization']).toBe('Bearer tok-1')
    fetchMock.mockResolvedValueOnce(json(200, { week: '2026-W46', sections: [], overview: {} }))
    await expect(fetchWeekly('2026-W47')).rejects.toMatchObject({ code: 'response.invalid' })
  })

  it('downloads a file under the name the server gives', async () => {
    fetchMock.mockResolvedValueOnce(
      new Response('a,b', {
        status: 200,
        headers: {
          'Content-Type': 'text/csv',
          'Content-Disposition': `attachment; filename="weekly-2026-W47.csv"; filename*=UTF-8''${encodeURIComponent('周报-2026-W47-清源县.csv')}`,
        },
      }),
    )
    const { blob, filename } = await downloadAsUser('/api/reports/weekly/export?week=2026-W47&format=csv')
    expect(filename).toBe('周报-2026-W47-清源县.csv')
    expect(await blob.text()).toBe('a,b')
    expect(filenameOf('attachment; filename="weekly.xlsx"')).toBe('weekly.xlsx')
    expect(filenameOf(null)).toBe('download')
  })

  it('turns a refusal into its code, and an expired sign-in into a request to sign in again', async () => {
    fetchMock.mockResolvedValueOnce(json(403, { code: 'auth.forbidden', message: 'no' }))
    const refused = await downloadAsUser('/x').catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(ApiError)
    expect(reportErrorMessage(refused)).toBe('周报只对审核人和管理员开放。')
    fetchMock.mockResolvedValueOnce(json(401, { code: 'auth.required', message: 'sign in' }))
    await expect(downloadAsUser('/x')).rejects.toMatchObject({ code: 'auth.required' })
    expect(session.needsReauth).toBe(true)
    fetchMock.mockRejectedValueOnce(new TypeError('Failed to fetch'))
    const offline = await downloadAsUser('/x').catch((e: unknown) => e)
    expect(reportErrorMessage(offline)).toBe('需要联网才能查看和导出周报。')
  })
})
