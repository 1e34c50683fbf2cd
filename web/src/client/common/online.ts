/**
 * Whether the browser thinks it has a network. `false` is reliable; `true` only
 * means "some network" (a Wi-Fi with a sign-in page counts), so code that
 * talks to the server must still handle network.offline errors.
 */
import { readonly, ref } from 'vue'

const state = ref(typeof navigator === 'undefined' ? true : navigator.onLine)

if (typeof window !== 'undefined') {
  window.addEventListener('online', () => (state.value = true))
  window.addEventListener('offline', () => (state.value = false))
}

export const online = readonly(state)
