import { afterEach, describe, expect, it, vi } from 'vitest'

import { newId } from './ids'

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

describe('newId', () => {
  afterEach(() => {
    vi.unstubAllGlobals()
    vi.useRealTimers()
  })

  it('makes distinct v7 UUIDs that sort in the order they were made', () => {
    const ids = Array.from({ length: 200 }, newId)
    expect(new Set(ids).size).toBe(200)
    for (const id of ids) expect(id).toMatch(UUID_V7)
    expect([...ids].sort()).toEqual(ids)
  })

  it('starts with the time it was made (and never goes back in time)', () => {
    const tomorrow = Date.now() + 86_400_000 // later than any id made so far
    vi.useFakeTimers({ now: tomorrow })
    const first = newId()
    expect(Number.parseInt(first.replace(/-/g, '').slice(0, 12), 16)).toBe(tomorrow)
    vi.setSystemTime(tomorrow - 60_000) // the phone's clock is set back a minute
    expect(newId() > first).toBe(true)
  })

  it('works without crypto.randomUUID (older browsers, plain HTTP)', () => {
    const real = globalThis.crypto
    vi.stubGlobal('crypto', { getRandomValues: (a: Uint8Array) => real.getRandomValues(a) })
    expect(newId()).toMatch(UUID_V7)
  })
})
