import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import { NOTICE_SECTIONS, NOTICE_SUMMARY, acknowledge, acknowledgedAt } from './notice'

function memoryStorage(): Storage {
  const items = new Map<string, string>()
  return {
    get length() {
      return items.size
    },
    clear: () => items.clear(),
    getItem: (key) => items.get(key) ?? null,
    key: (index) => [...items.keys()][index] ?? null,
    removeItem: (key) => void items.delete(key),
    setItem: (key, value) => void items.set(key, String(value)),
  }
}

describe('privacy notice', () => {
  beforeEach(() => vi.stubGlobal('localStorage', memoryStorage()))
  afterEach(() => vi.unstubAllGlobals())

  it('tells what is collected, why, how long it is kept and who sees it', () => {
    expect(NOTICE_SECTIONS.map((s) => s.title)).toEqual(['收集哪些信息', '为什么收集', '保存多久', '谁能看到'])
    const text = NOTICE_SECTIONS.flatMap((s) => s.body).join('')
    for (const fact of ['走访', '定位', '90 天', '审核人']) expect(NOTICE_SUMMARY).toContain(fact)
    // The rules the server keeps (README's retention, domain.md's PIPL section).
    for (const fact of ['加密保存', '获取定位', '不会持续跟踪', '90 天', '境内', '审计日志', '张*', '不做排名']) {
      expect(text).toContain(fact)
    }
  })

  it('remembers per user when they were told', () => {
    expect(acknowledgedAt('user-a')).toBeNull()
    acknowledge('user-a', new Date('2026-12-01T08:00:00Z'))
    expect(acknowledgedAt('user-a')?.toISOString()).toBe('2026-12-01T08:00:00.000Z')
    // Another person signing in on the same phone has their own record.
    expect(acknowledgedAt('user-b')).toBeNull()
  })

  it('never fails when storage is blocked', () => {
    vi.stubGlobal('localStorage', {
      getItem: () => {
        throw new Error('blocked')
      },
      setItem: () => {
        throw new Error('blocked')
      },
    })
    expect(() => acknowledge('user-a')).not.toThrow()
    expect(acknowledgedAt('user-a')).toBeNull()
  })
})
