/**
 * 周报: the weekly summary of a reviewer's area (server/reports/), on screen and as files to
 * open in Excel. Weeks are ISO weeks, Monday to Sunday, county time. Online only.
 */
import { ApiError, messageFor } from '../http'
import { downloadAsUser, requestAsUser } from '../auth/request'

export interface Section {
  key: string
  title: string
  headers: string[]
  rows: (string | number | null)[][]
  percent_columns: number[]
}

export interface WeeklySummary {
  week: string
  starts_on: string
  ends_on: string
  as_of: string
  unit_name: string
  campaign_name: string
  overview: Record<string, number | null>
  sections: Section[]
}

const pad = (n: number): string => String(n).padStart(2, '0')

/** The ISO week ("2026-W48") a calendar date ("YYYY-MM-DD") falls in. */
export function isoWeekOf(date: string): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number]
  const day = new Date(Date.UTC(y, m - 1, d))
  const weekday = day.getUTCDay() || 7
  day.setUTCDate(day.getUTCDate() + 4 - weekday) // the week's Thursday decides its year
  const year = day.getUTCFullYear()
  const week = Math.ceil(((day.getTime() - Date.UTC(year, 0, 1)) / 86_400_000 + 1) / 7)
  return `${year}-W${pad(week)}`
}

/** Monday of an ISO week, as "YYYY-MM-DD". */
export function mondayOf(week: string): string {
  const [year, number] = week.split('-W').map(Number) as [number, number]
  const jan4 = new Date(Date.UTC(year, 0, 4))
  const monday = new Date(jan4)
  monday.setUTCDate(jan4.getUTCDate() - ((jan4.getUTCDay() || 7) - 1) + (number - 1) * 7)
  return `${monday.getUTCFullYear()}-${pad(monday.getUTCMonth() + 1)}-${pad(monday.getUTCDate())}`
}

export function shiftWeek(week: string, weeks: number): string {
  const [y, m, d] = mondayOf(week).split('-').map(Number) as [number, number, number]
  const moved = new Date(Date.UTC(y, m - 1, d + weeks * 7))
  return isoWeekOf(`${moved.getUTCFullYear()}-${pad(moved.getUTCMonth() + 1)}-${pad(moved.getUTCDate())}`)
}

/** "2026年第47周（11月16日—11月22日）" */
export function weekLabel(week: string): string {
  const [y, m, d] = mondayOf(week).split('-').map(Number) as [number, number, number]
  const sunday = new Date(Date.UTC(y, m - 1, d + 6))
  const [year, number] = week.split('-W')
  return `${year}年第${Number(number)}周（${m}月${d}日—${sunday.getUTCMonth() + 1}月${sunday.getUTCDate()}日）`
}

/** A figure as shown: a rate as a percentage, nothing as "—". */
export function figure(value: string | number | null | undefined, percent = false): string {
  if (value === null || value === undefined || value === '') return '—'
  if (percent && typeof value === 'number') return `${(value * 100).toFixed(1)}%`
  return String(value)
}

export async function fetchWeekly(week: string): Promise<WeeklySummary> {
  const body = (await requestAsUser('GET', `/api/reports/weekly?week=${encodeURIComponent(week)}`)) as Partial<WeeklySummary> | null
  if (!body || body.week !== week || !Array.isArray(body.sections) || typeof body.overview !== 'object') {
    throw new ApiError(200, 'response.invalid', 'weekly summary: unexpected response')
  }
  return body as WeeklySummary
}

/** Save the week's summary as a file (the browser's download: the phone's Files app, or the PC's). */
export async function downloadWeekly(week: string, format: 'xlsx' | 'csv'): Promise<string> {
  const { blob, filename } = await downloadAsUser(
    `/api/reports/weekly/export?week=${encodeURIComponent(week)}&format=${format}`,
  )
  const url = URL.createObjectURL(blob)
  const link = document.createElement('a')
  link.href = url
  link.download = filename
  document.body.append(link)
  link.click()
  link.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
  return filename
}

const MESSAGES: Readonly<Record<string, string>> = {
  'report.invalid_week': '周次不正确。',
  'report.future_week': '这一周还没有开始。',
  'auth.forbidden': '周报只对审核人和管理员开放。',
  'network.offline': '需要联网才能查看和导出周报。',
}

export function reportErrorMessage(error: unknown): string {
  return messageFor(error, MESSAGES)
}
