import { describe, expect, it } from 'vitest'

import { sha256Fallback, sha256Hex } from './sha256'

describe('sha256', () => {
  it('matches the standard vectors and crypto.subtle', async () => {
    const abc = new TextEncoder().encode('abc')
    expect(sha256Fallback(abc.buffer)).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
    expect(sha256Fallback(new ArrayBuffer(0))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
    for (const size of [55, 56, 63, 64, 65, 1000, 70_001]) {
      const bytes = new Uint8Array(size).map((_, i) => (i * 7 + size) & 0xff)
      expect(sha256Fallback(bytes.buffer)).toBe(await sha256Hex(bytes.buffer))
    }
  })
})
