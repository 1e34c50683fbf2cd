import { describe, expect, it } from 'vitest'

import { errorMessage, FALLBACK_MESSAGE } from './errors'

describe('errorMessage', () => {
  it.each([
    ['auth.invalid_credentials', '用户名或密码错误'],
    ['auth.required', '登录已失效，请重新登录'],
    ['auth.forbidden', '没有权限'],
    ['request.validation', '提交的内容有误'],
    ['payload.too_large', '照片太大，请压缩后重试'],
    ['network.offline', '网络不可用'],
  ])('maps %s to Chinese', (code, text) => {
    expect(errorMessage(code)).toBe(text)
  })

  it('puts the wait into the throttling message', () => {
    expect(errorMessage('auth.throttled', { retry_after: 30 })).toBe('登录尝试过多，请 30 秒后再试')
    expect(errorMessage('auth.throttled', { retry_after: 12.2 })).toBe('登录尝试过多，请 13 秒后再试')
  })

  it('has a throttling message without a usable wait', () => {
    expect(errorMessage('auth.throttled')).toBe('登录尝试过多，请稍后再试')
    expect(errorMessage('auth.throttled', { retry_after: 'soon' })).toBe('登录尝试过多，请稍后再试')
  })

  it('falls back for unknown codes', () => {
    expect(errorMessage('something.new')).toBe(FALLBACK_MESSAGE)
    expect(FALLBACK_MESSAGE).toBe('操作失败，请稍后重试')
  })

  it('does not read inherited properties as codes', () => {
    expect(errorMessage('toString')).toBe(FALLBACK_MESSAGE)
  })
})
