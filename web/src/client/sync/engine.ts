/**
 * The sync loop. The page drives it (Background Sync exists only in Chromium):
 * on start, when the network comes back, when the tab becomes visible, after
 * every save (requestSync), and on a timer — every few minutes after a success,
 * with jittered exponential back-off after a failure. One run pushes the
 * outbox, uploads photos, then pulls. A 401 pauses everything, keeping it, until
 * the user signs in again.
 *
 * The engine sits below the screens and imports none of them: a feature that
 * acts after a sync, or when another person's pulled data is forgotten,
 * registers itself here from main.ts (afterSync, onDataOwnerChange).
 */
import { watch } from 'vue'

import { isSignedIn, markNeedsReauth, session } from '../auth/session'
import * as db from '../storage'
import type { SyncContext } from './context'
import { mutationPhotos } from './payloads'
import { stopFor } from './errors'
import { syncErrorMessage } from './messages'
import { pullAll } from './pull'
import { pushAll } from './push'
import { state } from './state'
import { refreshOutboxStats } from './unsynced'
import { uploadAll } from './upload'

export const BACKOFF_BASE_MS = 2_000
export const BACKOFF_CAP_MS = 5 * 60_000
/** After a successful run, look again this often while the app is open. */
export const PERIODIC_MS = 5 * 60_000
/** Saves in quick succession make one run. */
const DEBOUNCE_MS = 300
/** Bytes of uploaded photos taken this long ago are dropped from the phone (if nothing queued needs them). */
const KEEP_UPLOADED_MS = 30 * 24 * 3600_000
const LOCK_NAME = 'zoufang-sync'

/** Delay before retry `attempt` (1, 2, ...): exponential, capped, with "equal jitter" so phones do not retry in step. */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempt - 1))
  return Math.round(ceiling / 2 + random() * (ceiling / 2))
}

type Hook = () => void
const afterSyncHooks = new Set<Hook>()
const dataOwnerHooks = new Set<Hook>()

/** Call `hook` after every sync run that ended without an error (while there is signal). */
export function afterSync(hook: Hook): () => void {
  afterSyncHooks.add(hook)
  return () => afterSyncHooks.delete(hook)
}

/** Call `hook` when another person signed in and the previous person's pulled data was forgotten. */
export function onDataOwnerChange(hook: Hook): () => void {
  dataOwnerHooks.add(hook)
  return () => dataOwnerHooks.delete(hook)
}

/** Run hooks; one that throws must not stop the others, nor the engine. */
function runHooks(hooks: ReadonlySet<Hook>): void {
  for (const hook of hooks) {
    try {
      hook()
    } catch (error) {
      console.error('Sync hook failed', error)
    }
  }
}

let running: Promise<void> | null = null
let again = false
let failures = 0
let debounce: ReturnType<typeof setTimeout> | undefined
let timer: ReturnType<typeof setTimeout> | undefined
/** When the next timed run is due (epoch ms), for the outbox screen. */
export let nextRunAt: number | null = null

function schedule(delayMs: number): void {
  clearTimeout(timer)
  nextRunAt = Date.now() + delayMs
  timer = setTimeout(() => {
    nextRunAt = null
    void runSync('timer')
  }, delayMs)
}

/** Ask for a run soon (debounced). Safe to call anywhere, any time. */
export function requestSync(reason: string): void {
  clearTimeout(debounce)
  debounce = setTimeout(() => void runSync(reason), DEBOUNCE_MS)
}

async function context(): Promise<SyncContext | null> {
  const user = session.user
  const token = session.token
  if (!user || !token) return null
  return {
    token,
    userId: user.id,
    orgUnitId: user.org_unit_id,
    deviceId: await db.getDeviceId(),
    progress(done, total) {
      state.progress = { done, total }
    },
    clockSkew(warning) {
      state.clockSkewWarning = warning
    },
  }
}

/** One full round: push, upload photos, pull. Throws SyncStop. */
async function syncOnce(ctx: SyncContext): Promise<void> {
  state.phase = 'pushing'
  await pushAll(ctx)
  state.phase = 'uploading'
  await uploadAll(ctx)
  state.phase = 'pulling'
  await pullAll(ctx)
  await db.pruneUploadedPhotos(Date.now() - KEEP_UPLOADED_MS, (item, sha) => mutationPhotos(item.payload).includes(sha))
}

/** Run `fn` holding the cross-tab sync lock; false if another tab holds it. */
async function withLock(fn: () => Promise<void>): Promise<boolean> {
  const locks = (globalThis.navigator as Navigator | undefined)?.locks
  if (!locks?.request) {
    await fn()
    return true
  }
  return locks.request(LOCK_NAME, { ifAvailable: true }, async (lock) => {
    if (!lock) return false
    await fn()
    return true
  })
}

/**
 * Run now unless a run is under way (then run once more after it). Resolves when
 * this request's run has finished. Exported for tests and the "立即同步" button.
 */
export function runSync(_reason: string): Promise<void> {
  clearTimeout(debounce)
  if (running) {
    again = true
    return running
  }
  running = (async () => {
    if (!isSignedIn() || session.needsReauth) return
    if (typeof navigator !== 'undefined' && navigator.onLine === false) {
      state.lastError = { code: 'network.offline', message: syncErrorMessage('network.offline') }
      return // the `online` event starts the next run
    }
    const ctx = await context()
    if (!ctx) return
    state.running = true
    state.progress = { done: 0, total: 0 }
    try {
      const ran = await withLock(() => syncOnce(ctx))
      if (!ran) {
        schedule(30_000) // another tab is syncing; look again later
        return
      }
      failures = 0
      state.lastError = null
      state.lastSyncedAt = Date.now()
      await db.setMeta('last_synced_at', state.lastSyncedAt)
      runHooks(afterSyncHooks)
      schedule(PERIODIC_MS)
    } catch (error) {
      const stop = stopFor(error)
      state.lastError = { code: stop.code, message: stop.message }
      if (stop.kind === 'auth') {
        if (session.token === ctx.token) {
          // Keep everything; App.vue shows the sign-in bar; signing in again resumes (see startSync).
          markNeedsReauth()
          clearTimeout(timer)
          nextRunAt = null
        } else {
          state.lastError = null // signed in again meanwhile: go on with the new token
          again = true
        }
      } else if (stop.kind === 'fatal') {
        schedule(BACKOFF_CAP_MS)
      } else {
        failures++
        schedule(backoffDelay(failures))
      }
    } finally {
      state.running = false
      state.phase = 'idle'
      void refreshOutboxStats()
    }
  })().finally(() => {
    running = null
    if (again) {
      again = false
      requestSync('again')
    }
  })
  return running
}

/** Someone else signed in on this phone: what the previous person pulled is not theirs to see. */
async function forgetOtherPersonsData(userId: string): Promise<void> {
  const owner = await db.getMeta('data_user_id')
  if (owner !== undefined && owner !== userId) {
    await db.resetPulledData(userId)
    runHooks(dataOwnerHooks)
  }
}

let started = false

/** Start the loop (once, from main.ts). */
export function startSync(): void {
  if (started) return
  started = true
  void db.getMeta('last_synced_at').then((at) => {
    if (typeof at === 'number' && state.lastSyncedAt === null) state.lastSyncedAt = at
  })
  window.addEventListener('online', () => {
    failures = 0
    requestSync('online')
  })
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') requestSync('visible')
  })
  // Signing in (again, or as someone else) resumes with the same outbox.
  watch(
    () => [session.token, session.user?.id, session.needsReauth] as const,
    ([token, userId, needsReauth]) => {
      if (userId) void forgetOtherPersonsData(userId)
      if (token && !needsReauth) {
        failures = 0
        state.lastError = null
        requestSync('signed-in')
      }
    },
    { immediate: true },
  )
}

/** Test seam: forget timers and counters between tests. */
export function resetEngineForTests(): void {
  clearTimeout(debounce)
  clearTimeout(timer)
  running = null
  again = false
  failures = 0
  nextRunAt = null
  started = false
}
