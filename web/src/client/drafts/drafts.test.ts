import { reactive } from 'vue'
import { describe, expect, it } from 'vitest'

import { draftPath, plainCopy, readDraftData, toDraftData, DRAFT_FORMAT } from './drafts'

describe('draft serialisation', () => {
  it('stores a plain copy of reactive state (no proxies, no undefined)', () => {
    const state = reactive({ a: 1, nested: { list: [1, 2] }, gone: undefined as string | undefined })
    const data = toDraftData(state, { title: '人才走访 · 张三', subtitle: '2026-03-07' })
    expect(data.format).toBe(DRAFT_FORMAT)
    expect(data.state).toEqual({ a: 1, nested: { list: [1, 2] } })
    expect('gone' in data.state).toBe(false)
    // Structured clone (what IndexedDB does) fails on a Vue proxy, not on the copy.
    expect(() => structuredClone(data)).not.toThrow()
    state.nested.list.push(3)
    expect(data.state.nested.list).toEqual([1, 2])
  })

  it('reads back only drafts of the asked kind and a known format', () => {
    const data = toDraftData({ x: 1 }, { title: 't', subtitle: 's' })
    const draft = { id: 'v1', form: 'visit', data, updated_at: 1 }
    expect(readDraftData(draft, 'visit')).toEqual(data)
    expect(readDraftData(draft, 'inspection')).toBeNull()
    expect(readDraftData({ ...draft, data: { ...data, format: 99 } }, 'visit')).toBeNull()
    expect(readDraftData({ ...draft, data: 'junk' }, 'visit')).toBeNull()
    expect(readDraftData(undefined, 'visit')).toBeNull()
  })

  it('survives a JSON round trip unchanged', () => {
    const data = toDraftData({ demands: [{ id: 'd1', category: '' }], location: null }, { title: 't', subtitle: '' })
    expect(plainCopy(data)).toEqual(data)
  })

  it('knows where each kind is edited', () => {
    expect(draftPath({ id: 'x', form: 'visit' })).toBe('/visits/x')
    expect(draftPath({ id: 'y', form: 'inspection' })).toBe('/inspections/y')
  })
})
