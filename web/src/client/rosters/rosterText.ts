/** The second line of a roster row. */
import { shortDate } from '../forms/dates'

export function lastVisitText(date: string | null | undefined): string {
  return date ? `上次走访 ${shortDate(date)}` : '尚未走访'
}

export function lastInspectionText(date: string | null | undefined): string {
  return date ? `上次检查 ${shortDate(date)}` : '尚未检查'
}

/** Rows shown at once: a county roster has hundreds of names; typing narrows it. */
export const PAGE_SIZE = 50
