/**
 * Vitest set-up for screens that call the server as the signed-in user: a fresh IndexedDB, a
 * stubbed `fetch` and a supervisor signed in on a phone that is online. Test code only.
 */
import 'fake-indexeddb/auto'

import { IDBFactory } from 'fake-indexeddb'
import { afterEach, beforeEach, vi } from 'vitest'

import type { User } from '../api'
import { loadSession, signIn } from '../auth/session'
import * as db from '../storage'

export const SUPERVISOR: User = {
  id: '0b7d4c3e-9a51-4d7e-8f40-2f1c5b6a7e01',
  username: 'zhaoli',
  display_name: '赵丽',
  role: 'supervisor',
  org_unit_id: '5f0e2a9c-3b1d-4c8e-9a7f-6d2b1c0e4f11',
  org_unit_name: '城关镇',
}

export function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })
}

/** Each test starts signed in as `user` with token `tok-1`; returns the fetch stub to script. */
export function signedInEachTest(user: User = SUPERVISOR): ReturnType<typeof vi.fn<typeof fetch>> {
  const fetchMock = vi.fn<typeof fetch>()
  beforeEach(async () => {
    await db.closeDb()
    globalThis.indexedDB = new IDBFactory()
    fetchMock.mockReset()
    vi.stubGlobal('fetch', fetchMock)
    vi.stubGlobal('navigator', { onLine: true, userAgent: 'test', storage: { persist: async () => true } })
    await loadSession()
    fetchMock.mockResolvedValueOnce(json(200, { token: 'tok-1', user }))
    await signIn(user.username, 'demo1234')
    fetchMock.mockReset()
  })
  afterEach(async () => {
    vi.unstubAllGlobals()
    await db.closeDb()
  })
  return fetchMock
}
