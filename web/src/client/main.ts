/**
 * Start-up: read the session from IndexedDB, then show the app. Nothing here
 * waits for the network, so the app starts the same with or without signal.
 */
import './styles/base.css'

import { createApp } from 'vue'

import App from './App.vue'
import { loadSession, startSessionRefresh } from './auth/session'
import { startClock } from './common/clock'
import { forgetOrgUnits, refreshOrgUnits } from './rosters/orgUnits'
import { router } from './router'
import { startServiceWorker } from './sw/bridge'
import { afterSync, onDataOwnerChange, startSync } from './sync/engine'
import { startOutboxStatsWatch } from './sync/unsynced'

function showFatal(message: string): void {
  const root = document.getElementById('app')
  if (!root) return
  const p = document.createElement('p')
  p.style.cssText = 'margin:40vh 24px 0;text-align:center;font-size:16px;line-height:1.6'
  p.textContent = message
  root.replaceChildren(p)
}

async function start(): Promise<void> {
  // Register first: even if storage fails below, the shell gets cached for next time.
  startServiceWorker()
  try {
    await loadSession()
  } catch (error) {
    console.error('IndexedDB unavailable', error)
    showFatal('无法使用本机存储，离线数据无法保存。请关闭无痕/隐私模式，或换用系统浏览器打开。')
    return
  }
  const app = createApp(App)
  app.use(router)
  app.mount('#app')
  startClock()
  startOutboxStatsWatch()
  startSessionRefresh()
  // The township filter's names: fetched after a sync (while there is signal), per person.
  afterSync(refreshOrgUnits)
  onDataOwnerChange(forgetOrgUnits)
  startSync()
  // Browser tests drive the sync module through window.__zoufang; only a build made with
  // VITE_E2E_HOOK=1 has it (the condition is false at build time otherwise, and the chunk is dropped).
  if (import.meta.env.VITE_E2E_HOOK === '1') void import('./sync/testHook').then((hook) => hook.install())
}

void start()
