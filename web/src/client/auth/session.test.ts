import 'fake-indexeddb/auto'

import { IDBFactory } from 'fake-indexeddb'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import type { User } from '../api'
import * as db from '../storage'
import { isSignedIn, loadSession, refreshUser, session, signIn, signOut } from './session'

const user: User = {
  id: '0b7d4c3e-9a51-4d7e-8f40-2f1c5b6a7e01',
  username: 'zhangsan',
  display_name: '张三',
  role: 'field_staff',
  org_unit_id: '5f0e2a9c-3b1d-4c8e-9a7f-6d2b1c0e4f11',
  org_unit_name: '城关镇',
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })
}

const persist = vi.fn(async () => true)
const fetchMock = vi.fn<typeof fetch>()

function setOnline(onLine: boolean): void {
  vi.stubGlobal('navigator', { onLine, userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) Safari/604.1', storage: { persist } })
}

beforeEach(async () => {
  await db.closeDb()
  globalThis.indexedDB = new IDBFactory()
  fetchMock.mockReset()
  persist.mockClear()
  vi.stubGlobal('fetch', fetchMock)
  setOnline(true)
  await loadSession() // empty: resets the in-memory state
})

afterEach(async () => {
  vi.unstubAllGlobals()
  await db.closeDb()
})

async function signInAsZhangsan(): Promise<void> {
  fetchMock.mockResolvedValueOnce(json(200, { token: 'tok-1', user }))
  await signIn('zhangsan', 'demo1234')
}

describe('session', () => {
  it('signs in with this device id, stores the session and asks for persistent storage', async () => {
    await signInAsZhangsan()

    const body = JSON.parse(String(fetchMock.mock.calls[0]![1]?.body))
    expect(body).toEqual({
      username: 'zhangsan',
      password: 'demo1234',
      device_id: await db.getDeviceId(),
      device_name: 'iPhone · Safari',
    })
    expect(isSignedIn()).toBe(true)
    expect(session.user).toEqual(user)
    await vi.waitFor(() => expect(session.persisted).toBe(true))
    expect(persist).toHaveBeenCalledTimes(1)
    expect(await db.getSession()).toEqual({ token: 'tok-1', user, persisted: true })
  })

  it('starts signed in from IndexedDB alone, with no request', async () => {
    await db.setSession('tok-1', user)
    await loadSession()
    expect(isSignedIn()).toBe(true)
    expect(fetchMock).not.toHaveBeenCalled()
  })

  it('stays signed out when sign-in fails', async () => {
    fetchMock.mockResolvedValueOnce(json(401, { code: 'auth.invalid_credentials', message: 'no' }))
    await expect(signIn('zhangsan', 'wrong')).rejects.toMatchObject({ code: 'auth.invalid_credentials' })
    expect(isSignedIn()).toBe(false)
    expect((await db.getSession()).token).toBeNull()
  })

  it('signs out on the server, forgets the token and keeps the outbox', async () => {
    await signInAsZhangsan()
    await db.enqueueMutation({ user_id: user.id, kind: 'visit.save', entity: 'visit', entity_id: 'v1', payload: {} })
    fetchMock.mockResolvedValueOnce(new Response(null, { status: 204 }))

    await signOut()

    const [url, init] = fetchMock.mock.calls[1]!
    expect(url).toBe('/api/auth/logout')
    expect(new Headers(init?.headers).get('Authorization')).toBe('Bearer tok-1')
    expect(isSignedIn()).toBe(false)
    expect((await db.getSession()).token).toBeNull()
    expect((await db.outboxStats()).count).toBe(1)
  })

  it('signs out offline without waiting for the server', async () => {
    await signInAsZhangsan()
    setOnline(false)
    await signOut()
    expect(fetchMock).toHaveBeenCalledTimes(1) // the sign-in only
    expect(isSignedIn()).toBe(false)
  })

  it('still signs out when the server cannot be reached', async () => {
    await signInAsZhangsan()
    fetchMock.mockRejectedValueOnce(new TypeError('Failed to fetch'))
    await signOut()
    expect(isSignedIn()).toBe(false)
  })

  it('refreshes the user in the background', async () => {
    await signInAsZhangsan()
    fetchMock.mockResolvedValueOnce(json(200, { ...user, org_unit_name: '城关镇党委' }))
    await refreshUser()
    expect(session.user?.org_unit_name).toBe('城关镇党委')
    expect((await db.getSession()).user?.org_unit_name).toBe('城关镇党委')
  })

  it('on 401 asks for a new sign-in but deletes nothing', async () => {
    await signInAsZhangsan()
    await db.enqueueMutation({ user_id: user.id, kind: 'visit.save', entity: 'visit', entity_id: 'v1', payload: {} })
    fetchMock.mockResolvedValueOnce(json(401, { code: 'auth.required', message: 'expired' }))

    await refreshUser()

    expect(session.needsReauth).toBe(true)
    expect(isSignedIn()).toBe(true)
    expect(await db.getSession()).toMatchObject({ token: 'tok-1', user })
    expect((await db.outboxStats()).count).toBe(1)

    // Signing in again clears the mark.
    await signInAsZhangsan()
    expect(session.needsReauth).toBe(false)
  })

  it('does not ask the server while offline, and ignores network errors', async () => {
    await signInAsZhangsan()
    setOnline(false)
    await refreshUser()
    expect(fetchMock).toHaveBeenCalledTimes(1)

    setOnline(true)
    fetchMock.mockRejectedValueOnce(new TypeError('Failed to fetch'))
    await refreshUser()
    expect(session.needsReauth).toBe(false)
    expect(isSignedIn()).toBe(true)
  })
})
