/**
 * What a draft holds in the `drafts` store, and how it is written and read back.
 *
 * `Draft.data` is a DraftData envelope: a format number (so a later app version
 * can read an older draft), the lines the draft list shows, and the form's state
 * as plain JSON (no Vue proxies, no undefined: IndexedDB stores exactly what
 * JSON would).
 */
import type { Draft } from '../storage'

export type DraftKind = 'visit' | 'inspection'

/** Bump when a form's state shape changes, and teach readDraftData the old one. */
export const DRAFT_FORMAT = 1

export interface DraftSummary {
  /** First line in the draft list, e.g. "人才走访 · 张三". */
  title: string
  /** Second line, e.g. "2026-03-07 · 2026年三送三问人才走访". */
  subtitle: string
}

export interface DraftData<S> extends DraftSummary {
  format: number
  state: S
}

/** A deep, plain copy of `state` (drops proxies, functions and undefined values). */
export function plainCopy<S>(state: S): S {
  return JSON.parse(JSON.stringify(state)) as S
}

export function toDraftData<S>(state: S, summary: DraftSummary): DraftData<S> {
  return { format: DRAFT_FORMAT, title: summary.title, subtitle: summary.subtitle, state: plainCopy(state) }
}

/** The envelope of a stored draft of `kind`, or null if it is not one this version can open. */
export function readDraftData<S>(draft: Draft | undefined, kind: DraftKind): DraftData<S> | null {
  if (!draft || draft.form !== kind) return null
  const data = draft.data as Partial<DraftData<S>> | null
  if (typeof data !== 'object' || data === null) return null
  if (data.format !== DRAFT_FORMAT || typeof data.state !== 'object' || data.state === null) return null
  return {
    format: data.format,
    title: typeof data.title === 'string' ? data.title : '',
    subtitle: typeof data.subtitle === 'string' ? data.subtitle : '',
    state: data.state,
  }
}

const KIND_LABELS: Readonly<Record<DraftKind, string>> = { visit: '人才走访', inspection: '阵地检查' }

export function draftKindLabel(kind: string): string {
  return kind === 'visit' || kind === 'inspection' ? KIND_LABELS[kind] : '表单'
}

/** Where a draft is edited. */
export function draftPath(draft: Pick<Draft, 'id' | 'form'>): string {
  return draft.form === 'inspection' ? `/inspections/${draft.id}` : `/visits/${draft.id}`
}
