/** Display helpers (zh-CN). Pure functions: callers pass the clock. */

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

/** Unsynced work older than this gets a warning (WebKit may clear site data after 7 idle days). */
export const STALE_AFTER_MS = 3 * DAY

/** "刚刚", "5分钟前", "3小时前", "3天前". A time in the future (clock skew) reads "刚刚". */
export function formatAge(then: number, now: number): string {
  const elapsed = now - then
  if (elapsed < MINUTE) return '刚刚'
  if (elapsed < HOUR) return `${Math.floor(elapsed / MINUTE)}分钟前`
  if (elapsed < DAY) return `${Math.floor(elapsed / HOUR)}小时前`
  return `${Math.floor(elapsed / DAY)}天前`
}

export function isStale(oldestCreatedAt: number | null, now: number): boolean {
  return oldestCreatedAt !== null && now - oldestCreatedAt >= STALE_AFTER_MS
}

const pad = (n: number): string => String(n).padStart(2, '0')

/** "2025-03-07 09:05" in the phone's local time. */
export function formatDateTime(ms: number): string {
  const d = new Date(ms)
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`
}

/** The greeting for an hour of the day (0–23). */
export function greetingFor(hour: number): string {
  if (hour >= 5 && hour < 11) return '早上好'
  if (hour >= 11 && hour < 13) return '中午好'
  if (hour >= 13 && hour < 18) return '下午好'
  return '晚上好'
}
