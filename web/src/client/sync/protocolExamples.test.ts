/**
 * Every example message in sync/examples (the ones the Python tests decode too)
 * decodes with the TypeScript types and guards, and the inbound records in them
 * use exactly the fields the browser client sends.
 */
import { describe, expect, it } from 'vitest'

import {
  decodeConflictRecord,
  decodeErrorBody,
  decodeMediaStatus,
  decodePullRequest,
  decodePullResponse,
  decodePushRequest,
  decodePushResponse,
  ProtocolDecodeError,
  type Mutation,
} from '../../shared/protocol'
import { DEMAND_KEYS, INSPECTION_KEYS, ITEM_RESULT_KEYS, RECTIFICATION_KEYS, VISIT_KEYS } from './queue'

// Read from disk when the test runs (Vite globs the folder): a new example is picked up automatically.
const files = import.meta.glob('../../../../sync/examples/*.json', { eager: true, query: '?raw', import: 'default' }) as Record<string, string>
const examples = Object.entries(files).map(([path, text]) => [path.split('/').pop()!.replace(/\.json$/, ''), JSON.parse(text)] as const)

/** Which decoder each example goes through, by its name. */
function decoderFor(name: string): ((value: unknown) => unknown) | null {
  if (name.startsWith('push_') && name.endsWith('_request')) return decodePushRequest
  if (name === 'push_request') return decodePushRequest
  if (name.startsWith('push_') && name.endsWith('_response')) return decodePushResponse
  if (name === 'push_response') return decodePushResponse
  if (name.startsWith('pull_') && name.endsWith('_request')) return decodePullRequest
  if (name === 'pull_request') return decodePullRequest
  if (name.startsWith('pull_') && name.endsWith('_response')) return decodePullResponse
  if (name === 'pull_response') return decodePullResponse
  if (name === 'conflicts_response') return (v) => (v as unknown[]).map(decodeConflictRecord)
  if (name === 'resolve_response') return decodeConflictRecord
  if (name === 'resolve_request') {
    return (v) => {
      const r = v as { resolution?: unknown }
      if (!['server', 'client', 'value'].includes(String(r.resolution))) throw new Error('bad resolution')
      return r
    }
  }
  if (name.startsWith('media_status')) return decodeMediaStatus
  if (name.startsWith('error_')) return decodeErrorBody
  return null
}

function expectOnlyKeys(row: Record<string, unknown>, keys: readonly string[], what: string): void {
  expect(Object.keys(row).filter((k) => !keys.includes(k)), what).toEqual([])
}

describe('sync/examples', () => {
  it('exist', () => {
    expect(examples.length).toBeGreaterThanOrEqual(10)
  })

  it.each(examples)('%s decodes', (name, value) => {
    const decode = decoderFor(name)
    expect(decode, `no decoder for ${name}: map it in protocolExamples.test.ts`).not.toBeNull()
    if (name.includes('future_version')) {
      // Another major version is refused with the stable code, not a crash.
      expect(() => decode!(value)).toThrow(ProtocolDecodeError)
      try {
        decode!(value)
      } catch (error) {
        expect((error as ProtocolDecodeError).code).toBe('sync.unsupported_version')
      }
      return
    }
    const decoded = decode!(value)
    expect(decoded).toBeTruthy()
    if (name.startsWith('push') && name.endsWith('response')) {
      const response = decoded as ReturnType<typeof decodePushResponse>
      for (const result of response.results) expect(['applied', 'conflict', 'rejected', 'duplicate']).toContain(result.status)
    }
    if (name.startsWith('pull') && name.endsWith('response')) {
      const response = decoded as ReturnType<typeof decodePullResponse>
      expect(response.changes.length).toBeGreaterThan(0)
    }
  })

  it('inbound records use exactly the fields the phone sends', () => {
    let checked = 0
    for (const [name, value] of examples) {
      if (!name.startsWith('push') || !name.endsWith('request') || name.includes('future')) continue
      for (const m of (value as { mutations: Mutation[] }).mutations) {
        if (m.op === 'visit.put') {
          expectOnlyKeys(m.visit as never, VISIT_KEYS, `${name} visit`)
          for (const d of m.visit.demands ?? []) expectOnlyKeys(d as never, DEMAND_KEYS, `${name} demand`)
          checked++
        } else if (m.op === 'inspection.put') {
          expectOnlyKeys(m.inspection as never, INSPECTION_KEYS, `${name} inspection`)
          for (const r of m.inspection.item_results ?? []) expectOnlyKeys(r as never, ITEM_RESULT_KEYS, `${name} item result`)
          for (const r of m.inspection.rectifications ?? []) expectOnlyKeys(r as never, RECTIFICATION_KEYS, `${name} rectification`)
          checked++
        }
      }
    }
    expect(checked).toBeGreaterThan(0)
  })

  it('refuses what is not the protocol: HTML, foreign JSON, another major version', () => {
    for (const body of ['<html>', { ok: true }, { protocol_version: '1.0' }, null]) {
      expect(() => decodePushResponse(body)).toThrow(ProtocolDecodeError)
      expect(() => decodePullResponse(body)).toThrow(ProtocolDecodeError)
    }
    const push = examples.find(([n]) => n === 'push_response')![1] as Record<string, unknown>
    expect(() => decodePushResponse({ ...push, protocol_version: '2.0' })).toThrow(/not supported/)
    // A later minor version with new fields is understood.
    expect(decodePushResponse({ ...push, protocol_version: '1.7', new_field: 1 }).protocol_version).toBe('1.7')
  })
})
