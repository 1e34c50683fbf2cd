/** Leaving a screen: back in history when there is one in this app, else home. */
import type { Router } from 'vue-router'

export function goBack(router: Router): void {
  if (window.history.state?.back) router.back()
  else void router.replace({ name: 'home' })
}

/** Scroll the element marked data-field="<key>" into view (the first field with an error). */
export function scrollToField(key: string | undefined): void {
  if (!key) return
  const el = document.querySelector(`[data-field="${CSS.escape(key)}"]`)
  el?.scrollIntoView({ block: 'center', behavior: 'smooth' })
}
