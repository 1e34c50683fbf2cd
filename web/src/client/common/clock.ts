/** A coarse reactive clock, so "3分钟前" labels move on while a page stays open. */
import { readonly, ref } from 'vue'

const TICK_MS = 30_000
const state = ref(Date.now())
let timer: ReturnType<typeof setInterval> | undefined

export const now = readonly(state)

export function startClock(): void {
  if (timer !== undefined) return
  timer = setInterval(() => (state.value = Date.now()), TICK_MS)
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') state.value = Date.now()
  })
}
