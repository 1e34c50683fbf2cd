/**
 * Field errors shown once a submit has failed, revalidated on every change but
 * replaced only when they differ: a keystroke that changes no message does
 * not re-render the whole form.
 */
import { ref, watchEffect, type Ref } from 'vue'

import type { Errors } from './validation'

export function useErrors(validate: () => Errors | null): { errors: Ref<Errors>; show: Ref<boolean> } {
  const show = ref(false)
  const errors = ref<Errors>({})
  let last = '{}'
  watchEffect(() => {
    const found = show.value ? (validate() ?? {}) : {}
    const text = JSON.stringify(found)
    if (text !== last) {
      last = text
      errors.value = found
    }
  })
  return { errors, show }
}
