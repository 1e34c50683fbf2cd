import { afterEach, describe, expect, it } from 'vitest'

import { hasUnsavedForms, setFormDirty, useUnsavedGuard } from './updateGuard'

afterEach(() => {
  setFormDirty('a', false)
  setFormDirty('b', false)
})

describe('updateGuard', () => {
  it('is clear while no form has unsaved edits', () => {
    expect(hasUnsavedForms.value).toBe(false)
  })

  it('holds while any form is dirty', () => {
    setFormDirty('a', true)
    setFormDirty('b', true)
    expect(hasUnsavedForms.value).toBe(true)
    setFormDirty('a', false)
    expect(hasUnsavedForms.value).toBe(true)
    setFormDirty('b', false)
    expect(hasUnsavedForms.value).toBe(false)
  })

  it('gives each form its own hold', () => {
    const first = useUnsavedGuard()
    const second = useUnsavedGuard()
    first.markDirty()
    second.markDirty()
    first.markSaved()
    expect(hasUnsavedForms.value).toBe(true)
    second.markSaved()
    expect(hasUnsavedForms.value).toBe(false)
  })
})
