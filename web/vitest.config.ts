import { defineConfig } from 'vitest/config'

// Unit tests run in Node: pure helpers and the IndexedDB module (on fake-indexeddb).
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
})
