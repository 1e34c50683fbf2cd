import { describe, expect, it } from 'vitest'

import { canRecord, roleLabel, isReviewer } from './roles'

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

describe('canRecord', () => {
  it('is true for the roles the server lets record, false for handlers and the unknown', () => {
    expect(['field_staff', 'supervisor', 'admin'].map(canRecord)).toEqual([true, true, true])
    expect(canRecord('handler')).toBe(false)
    expect(canRecord(undefined)).toBe(false)
    expect(canRecord('auditor')).toBe(false)
  })
})

describe('isReviewer (审核 and 冲突处理)', () => {
  it('is for reviewers and admins only', () => {
    expect(['supervisor', 'admin', 'field_staff', 'handler'].map(isReviewer)).toEqual([true, true, false, false])
    expect(isReviewer(undefined)).toBe(false)
  })
})
