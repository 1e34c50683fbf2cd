/**
 * Forms with unsaved edits hold back an app update: applying one reloads the
 * page, and a reload must never cost a field worker what they just typed.
 *
 * A form calls useUnsavedGuard(): markDirty() on an edit, markSaved() once the
 * draft is in IndexedDB. Unmounting the form releases its hold.
 */
import { computed, getCurrentInstance, onBeforeUnmount, reactive } from 'vue'

const dirtyForms = reactive(new Set<string>())

/** True while any form has edits that are not yet saved. */
export const hasUnsavedForms = computed(() => dirtyForms.size > 0)

export function setFormDirty(formId: string, dirty: boolean): void {
  if (dirty) dirtyForms.add(formId)
  else dirtyForms.delete(formId)
}

let counter = 0

export interface UnsavedGuard {
  markDirty(): void
  markSaved(): void
}

/** For use in a form component's setup(). */
export function useUnsavedGuard(formId: string = `form-${++counter}`): UnsavedGuard {
  if (getCurrentInstance()) onBeforeUnmount(() => setFormDirty(formId, false))
  return {
    markDirty: () => setFormDirty(formId, true),
    markSaved: () => setFormDirty(formId, false),
  }
}
