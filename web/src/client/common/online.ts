/**
 * Whether the app can reach the network. The browser's `navigator.onLine` is
 * only half the answer: `false` is reliable, but `true` just means "some
 * network" (a weak signal, or a Wi-Fi with a sign-in page, counts). So every API
 * request also reports whether an answer came back, and the app is shown
 * offline from a failed request until the next answer or `online` event.
 */
import { computed, ref } from 'vue'

const browserOnline = ref(typeof navigator === 'undefined' || navigator.onLine !== false)
const serverReachable = ref(true)

if (typeof window !== 'undefined') {
  window.addEventListener('online', () => {
    browserOnline.value = true
    serverReachable.value = true // to be confirmed by the next request
  })
  window.addEventListener('offline', () => (browserOnline.value = false))
}

export const online = computed(() => browserOnline.value && serverReachable.value)

/** Called by the API client after each request: did any HTTP answer arrive? */
export function reportReachable(reachable: boolean): void {
  serverReachable.value = reachable
}
