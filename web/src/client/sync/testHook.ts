/**
 * window.__zoufang for the browser tests (tests/e2e/test_sync_browser.py), in
 * builds made with VITE_E2E_HOOK=1 only: the sync module's public API plus a way
 * to run a sync now and wait for it.
 */
import { getDeviceId } from '../storage'
import * as sync from './index'
import { runSync } from './engine'

export function install(): void {
  ;(window as unknown as { __zoufang: unknown }).__zoufang = {
    ...sync,
    runSync,
    getDeviceId,
    /** A plain copy of syncState (reactive proxies do not cross into Playwright). */
    state: () => JSON.parse(JSON.stringify(sync.syncState)) as unknown,
  }
}
