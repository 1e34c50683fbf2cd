/**
 * Autosave a form's state to the `drafts` store at most 250 ms after every
 * change, and at once when the page is hidden or left. While a change is not
 * yet in IndexedDB the form holds back app updates (sw/updateGuard).
 */
import { getCurrentInstance, onBeforeUnmount, readonly, ref, watch, type WatchSource } from 'vue'

import { deleteDraft, saveDraft } from '../storage'
import { useUnsavedGuard } from '../sw/updateGuard'
import { toDraftData, type DraftKind, type DraftSummary } from './drafts'

export const AUTOSAVE_DELAY_MS = 250

export type AutosaveStatus = 'idle' | 'pending' | 'saved' | 'error'

export interface AutosaveOptions<S> {
  id: () => string
  kind: DraftKind
  /** The form's state; watched deeply. Null while the form is loading. */
  state: WatchSource<S | null>
  read: () => S | null
  summary: (state: S) => DraftSummary
  delayMs?: number
}

export function useAutosave<S>(options: AutosaveOptions<S>) {
  const guard = useUnsavedGuard(`${options.kind}-form`)
  const status = ref<AutosaveStatus>('idle')
  const savedAt = ref<number | null>(null)
  let active = false
  let timer: ReturnType<typeof setTimeout> | undefined
  /** Changes seen, and the count the last completed save included. */
  let changes = 0
  let savedChanges = 0
  let chain: Promise<void> = Promise.resolve()

  function save(): Promise<void> {
    clearTimeout(timer)
    timer = undefined
    const state = options.read()
    if (!active || state === null || savedChanges === changes) return chain
    const upTo = changes
    const data = toDraftData(state, options.summary(state))
    const id = options.id()
    chain = chain
      .then(() => saveDraft(id, options.kind, data))
      .then(() => {
        savedChanges = Math.max(savedChanges, upTo)
        savedAt.value = Date.now()
        if (savedChanges === changes) {
          status.value = 'saved'
          guard.markSaved()
        }
      })
      .catch((error: unknown) => {
        console.error('Saving the draft failed', error)
        status.value = 'error'
      })
    return chain
  }

  watch(
    options.state,
    (_value, old) => {
      // The form's state arriving from storage is not an edit.
      if (!active || old === null) return
      changes++
      status.value = 'pending'
      guard.markDirty()
      // Not a trailing debounce: steady typing must not postpone the save forever.
      if (timer === undefined) timer = setTimeout(() => void save(), options.delayMs ?? AUTOSAVE_DELAY_MS)
    },
    { deep: true },
  )

  const onHidden = (): void => {
    if (document.visibilityState === 'hidden') void save()
  }
  const onPageHide = (): void => void save()
  document.addEventListener('visibilitychange', onHidden)
  window.addEventListener('pagehide', onPageHide)

  function stopListening(): void {
    document.removeEventListener('visibilitychange', onHidden)
    window.removeEventListener('pagehide', onPageHide)
  }

  if (getCurrentInstance()) {
    onBeforeUnmount(() => {
      void save()
      stopListening()
    })
  }

  return {
    status: readonly(status),
    savedAt: readonly(savedAt),
    /** Start saving changes (call once the form's state is loaded). */
    start(): void {
      active = true
    },
    /** Count the current state as a change (e.g. a record reopened for editing) and save it. */
    touch(): Promise<void> {
      if (!active) return chain
      changes++
      guard.markDirty()
      return save()
    },
    /** Write any pending change now. */
    flush: save,
    /** Stop saving and delete the draft (after a submit was queued, or on discard). */
    async discard(): Promise<void> {
      active = false
      clearTimeout(timer)
      timer = undefined
      await chain
      await deleteDraft(options.id())
      guard.markSaved()
      status.value = 'idle'
    },
  }
}
