/**
 * The page's only link to the service worker: registration, update checks and
 * applying an update. Nothing else imports virtual:pwa-register or talks to
 * navigator.serviceWorker.
 *
 * An update is never forced. A new worker waits until the user accepts, and
 * not while a form has unsaved edits (updateGuard.ts).
 */
import { registerSW } from 'virtual:pwa-register'
import { reactive, readonly } from 'vue'

import { hasUnsavedForms } from './updateGuard'

/** Look for a new version this often while the app stays open (and on return to the tab). */
const UPDATE_CHECK_MS = 60 * 60 * 1000

const state = reactive({
  /** A new version is installed and waiting for the user. */
  needRefresh: false,
  /** The new version took over, but this page kept unsaved edits and has not reloaded. */
  reloadPending: false,
})

export const swState = readonly(state)

let updateSW: ((reloadPage?: boolean) => Promise<void>) | undefined
let reloading = false

export function startServiceWorker(): void {
  if (!('serviceWorker' in navigator)) return

  // The first controllerchange after a first visit is the install claiming the
  // page, not a new version. (workbox-window reports an update as such only if
  // the page was controlled at load, so it misses updates in the first session.)
  let controlled = navigator.serviceWorker.controller !== null
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    if (controlled) onNewVersionControlling()
    controlled = true
  })

  updateSW = registerSW({
    immediate: true,
    onNeedRefresh() {
      state.needRefresh = true
    },
    // Replaces the plugin's own unconditional reload: see controllerchange above.
    onNeedReload() {},
    onRegisteredSW(_url, registration) {
      if (registration) scheduleUpdateChecks(registration)
    },
    onRegisterError(error: unknown) {
      console.warn('Service worker registration failed', error)
    },
  })
}

/** A new version controls this page now (this tab or another accepted it). */
function onNewVersionControlling(): void {
  state.needRefresh = false
  if (hasUnsavedForms.value) {
    state.reloadPending = true
  } else if (!reloading) {
    reloading = true
    window.location.reload()
  }
}

function scheduleUpdateChecks(registration: ServiceWorkerRegistration): void {
  const check = (): void => {
    if (navigator.onLine && registration.installing === null) {
      registration.update().catch(() => {
        // Offline or server down: the next check tries again.
      })
    }
  }
  setInterval(check, UPDATE_CHECK_MS)
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') check()
  })
}

export type UpdateResult = 'applied' | 'blocked' | 'none'

/**
 * Activate the waiting version; the page reloads once it takes control.
 * Returns 'blocked' (and does nothing) while a form has unsaved edits.
 */
export async function applyUpdate(): Promise<UpdateResult> {
  if (hasUnsavedForms.value) return 'blocked'
  if (state.reloadPending) {
    window.location.reload()
    return 'applied'
  }
  if (!state.needRefresh || updateSW === undefined) return 'none'
  await updateSW()
  return 'applied'
}

