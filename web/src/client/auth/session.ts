/**
 * Who is signed in. The token and user live in IndexedDB (storage/) and,
 * after loadSession(), in memory, so routing and pages read them synchronously
 * and the app starts offline with no request to the server.
 *
 * A 401 from the server while signed in does not sign the user out: it marks
 * the session as needing a new sign-in and keeps every local record.
 */
import { reactive, readonly, toRaw } from 'vue'

import { fetchMe, login, logout, type User } from '../api'
import { ApiError } from '../http'
import { online } from '../common/online'
import * as db from '../storage'
import { describeDevice } from './device'

interface SessionState {
  token: string | null
  user: User | null
  /** navigator.storage.persist() result; null where unsupported or not asked yet. */
  persisted: boolean | null
  /** The server refused the token: work continues offline, sync waits for a new sign-in. */
  needsReauth: boolean
}

const state = reactive<SessionState>({ token: null, user: null, persisted: null, needsReauth: false })

export const session = readonly(state)

export function isSignedIn(): boolean {
  return state.token !== null && state.user !== null
}

export async function loadSession(): Promise<void> {
  const stored = await db.getSession()
  state.token = stored.token
  state.user = stored.user
  state.persisted = stored.persisted
}

/** Sign in; rejects with ApiError (its userMessage is for the screen). */
export async function signIn(username: string, password: string): Promise<void> {
  const deviceId = await db.getDeviceId()
  const reply = await login({
    username,
    password,
    device_id: deviceId,
    device_name: describeDevice(navigator.userAgent),
  })
  await db.setSession(reply.token, reply.user)
  state.token = reply.token
  state.user = reply.user
  state.needsReauth = false
  void requestPersistentStorage()
}

/** Ask the browser not to evict our data under storage pressure, and remember the answer. */
async function requestPersistentStorage(): Promise<void> {
  let persisted: boolean | null = null
  try {
    if (navigator.storage?.persist) persisted = await navigator.storage.persist()
  } catch {
    persisted = null
  }
  state.persisted = persisted
  await db.setPersisted(persisted)
}

/** Re-read the persisted flag (the user may have granted it in the browser's settings since). */
export async function refreshPersisted(): Promise<void> {
  if (!navigator.storage?.persisted) return
  try {
    const persisted = await navigator.storage.persisted()
    if (persisted !== state.persisted) {
      state.persisted = persisted
      await db.setPersisted(persisted)
    }
  } catch {
    // Keep the last known value.
  }
}

const LOGOUT_TIMEOUT_MS = 5_000

/**
 * Sign out: tell the server (best effort: offline, the token is still dropped
 * here), then forget the token and user. Unsynced work stays in IndexedDB.
 */
export async function signOut(): Promise<void> {
  const token = state.token
  if (token !== null && !state.needsReauth && navigator.onLine) {
    try {
      await logout(token, LOGOUT_TIMEOUT_MS)
    } catch {
      // The server forgets the token when it expires.
    }
  }
  await db.clearSession()
  state.token = null
  state.user = null
  state.needsReauth = false
}

/** The user set their own password: the forced change (after an admin's reset) is done. */
export async function passwordChanged(): Promise<void> {
  if (state.user === null) return
  // A plain object: IndexedDB cannot store the reactive proxy.
  const user: User = { ...toRaw(state.user), must_change_password: false }
  await db.setSessionUser(user)
  state.user = user
}

/** Called by any API caller that got auth.required for the current token. */
export function markNeedsReauth(): void {
  if (isSignedIn()) state.needsReauth = true
}

let refreshing = false

/** Refresh the user from /api/me in the background. Never throws; offline it does nothing. */
export async function refreshUser(): Promise<void> {
  const token = state.token
  if (token === null || refreshing || !navigator.onLine) return
  refreshing = true
  try {
    const user = await fetchMe(token)
    if (state.token !== token) return // signed out or in again meanwhile
    state.user = user
    state.needsReauth = false
    await db.setSessionUser(user)
  } catch (error) {
    if (error instanceof ApiError && error.status === 401 && state.token === token) markNeedsReauth()
  } finally {
    refreshing = false
  }
}

/** While the server is unreachable, look again this often (it doubles as the reachability probe). */
const RETRY_MS = 60_000

/** Refresh now, whenever the network comes back, and periodically while the server is unreachable. */
export function startSessionRefresh(): void {
  void refreshUser()
  window.addEventListener('online', () => void refreshUser())
  setInterval(() => {
    if (!online.value && document.visibilityState === 'visible') void refreshUser()
  }, RETRY_MS)
}
