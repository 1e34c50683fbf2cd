/**
 * The layering rules, checked on the source (this is the project's import lint; `make test`
 * runs it with the other unit tests):
 * - only storage/ touches IndexedDB (imports `idb`);
 * - only http.ts calls `fetch`;
 * - the sync engine imports nothing above it: features register what runs after a sync from
 *   main.ts (sync/engine.ts afterSync, onDataOwnerChange).
 */
import { describe, expect, it } from 'vitest'

// Every source file as text, keyed "src/...", read when the test runs.
const raw = import.meta.glob(['../**/*.ts', '../**/*.vue', '!../**/*.d.ts'], {
  eager: true,
  query: '?raw',
  import: 'default',
}) as Record<string, string>
const sources = Object.entries(raw).map(([key, text]) => ({ path: resolve('src/client/layers.test.ts', key), text }))

/** Code that ships (tests and their helpers may reach anywhere). */
const shipped = sources.filter(({ path }) => !/\.test\.ts$|\/testing\//.test(path))

/** Module specifiers a file imports (static and dynamic, type-only included). */
function importsOf(text: string): string[] {
  const specifiers: string[] = []
  for (const match of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]/g)) specifiers.push(match[1]!)
  return specifiers
}

/** "src/client/sync/push.ts" + "../storage" → "src/client/storage". */
function resolve(from: string, specifier: string): string {
  if (!specifier.startsWith('.')) return specifier
  const parts = from.split('/').slice(0, -1)
  for (const part of specifier.split('/')) {
    if (part === '..') parts.pop()
    else if (part !== '.') parts.push(part)
  }
  return parts.join('/')
}

describe('the import rules', () => {
  it('reads every source file and finds its imports', () => {
    expect(shipped.length).toBeGreaterThan(100)
    expect(importsOf(`import { a } from './a'\nimport type { B } from "../b"\nconst c = import('./c')`)).toEqual([
      './a',
      '../b',
      './c',
    ])
    expect(resolve('src/client/sync/push.ts', '../storage')).toBe('src/client/storage')
    expect(shipped.map(({ path }) => path)).toContain('src/client/storage/schema.ts')
  })

  it('lets only storage/ import idb', () => {
    const offenders = shipped
      .filter(({ path }) => !path.startsWith('src/client/storage/'))
      .filter(({ text }) => importsOf(text).some((s) => s === 'idb' || s.startsWith('idb/')))
      .map(({ path }) => path)
    expect(offenders).toEqual([])
  })

  it('lets only http.ts call fetch', () => {
    const offenders = shipped
      .filter(({ path }) => path !== 'src/client/http.ts')
      .filter(({ text }) => /(?<![\w.])fetch\s*\(|globalThis\.fetch|window\.fetch/.test(text))
      .map(({ path }) => path)
    expect(offenders).toEqual([])
  })

  it('keeps the sync engine below the features', () => {
    const below = [
      'src/client/sync/',
      'src/client/storage',
      'src/client/http',
      'src/client/api',
      'src/client/auth/session',
      'src/shared/',
    ]
    const engine = shipped.filter(({ path }) => path.startsWith('src/client/sync/'))
    expect(engine.length).toBeGreaterThan(10)
    const offenders = engine.flatMap(({ path, text }) =>
        importsOf(text)
          .filter((s) => s.startsWith('.'))
          .map((s) => resolve(path, s))
          .filter((target) => !below.some((prefix) => target.startsWith(prefix)))
          .map((target) => `${path} → ${target}`),
      )
    expect(offenders).toEqual([])
  })
})
