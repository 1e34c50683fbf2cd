/** Field errors keyed by field name ("mode", "demand.<id>.description"), zh-CN text as value. */
export type Errors = Record<string, string>

/** How a record form is checked. */
export interface CheckRules {
  /** Today's date (yyyy-mm-dd): the latest date a record may carry. */
  today: string
  /** Submitting (every requirement of the campaign or template) rather than saving a draft to the server. */
  submit: boolean
}

/** Length in characters as the server counts them (code points, not UTF-16 units). */
export function textLength(value: string): number {
  return Array.from(value).length
}

export function checkMax(errors: Errors, key: string, value: string, max: number, label: string): void {
  if (textLength(value) > max) errors[key] = `${label}不能超过 ${max} 字`
}

/** The first error's key in display order, to scroll to it. */
export function firstErrorKey(errors: Errors, order: readonly string[]): string | undefined {
  return order.find((key) => key in errors) ?? Object.keys(errors)[0]
}
