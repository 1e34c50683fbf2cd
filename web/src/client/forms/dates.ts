/** Calendar dates as the protocol carries them ("YYYY-MM-DD"), in the phone's local time. */

const pad = (n: number): string => String(n).padStart(2, '0')

export function isoDate(ms: number): string {
  const d = new Date(ms)
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`
}

export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number]
  const next = new Date(y, m - 1, d + days)
  return isoDate(next.getTime())
}

export function isIsoDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false
  const [y, m, d] = value.split('-').map(Number) as [number, number, number]
  const date = new Date(y, m - 1, d)
  return date.getFullYear() === y && date.getMonth() === m - 1 && date.getDate() === d
}

/** ["2026", "03", "07"], the shape Vant's DatePicker uses. */
export function toPickerValue(date: string): string[] {
  return isIsoDate(date) ? date.split('-') : []
}

export function fromPickerValue(parts: readonly string[]): string {
  return parts.slice(0, 3).join('-')
}

/** "3月7日" for lists; "2025年3月7日" when not in the current year. */
export function shortDate(date: string | null | undefined, now: number = Date.now()): string {
  if (!date || !isIsoDate(date)) return ''
  const [y, m, d] = date.split('-').map(Number) as [number, number, number]
  return y === new Date(now).getFullYear() ? `${m}月${d}日` : `${y}年${m}月${d}日`
}
