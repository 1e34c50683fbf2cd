import { describe, expect, it } from 'vitest'

import { roleLabel } from './roles'

describe('roleLabel', () => {
  it('names every role in Chinese', () => {
    expect(roleLabel('field_staff')).toBe('走访人')
    expect(roleLabel('supervisor')).toBe('审核人')
    expect(roleLabel('handler')).toBe('承办人')
    expect(roleLabel('admin')).toBe('管理员')
  })

  it('shows an unknown role as sent', () => {
    expect(roleLabel('auditor')).toBe('auditor')
    expect(roleLabel('constructor')).toBe('constructor')
  })
})
