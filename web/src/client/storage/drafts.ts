/** Autosaved forms (the `drafts` store), written on every field change. */
import { getDb } from './schema'
import type { Draft } from './types'

/** Store the form `form`'s state as draft `id` (replacing the last save). */
export async function saveDraft(id: string, form: string, data: unknown, now: number = Date.now()): Promise<Draft> {
  const draft: Draft = { id, form, data, updated_at: now }
  await (await getDb()).put('drafts', draft)
  return draft
}

/** One draft, if it is still kept. */
export async function getDraft(id: string): Promise<Draft | undefined> {
  return (await getDb()).get('drafts', id)
}

/** Drafts, most recently edited first. */
export async function listDrafts(): Promise<Draft[]> {
  return (await (await getDb()).getAllFromIndex('drafts', 'by_updated_at')).reverse()
}

/** Forget a draft (sent, or discarded by the user). */
export async function deleteDraft(id: string): Promise<void> {
  await (await getDb()).delete('drafts', id)
}

