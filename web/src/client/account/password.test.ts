import { describe, expect, it } from 'vitest'

import { passwordProblems } from './password'

describe('changing my password', () => {
  it('needs the current password, eight characters, a change and the same twice', () => {
    expect(passwordProblems('', 'short', 'other')).toEqual({
      current_password: '请输入当前密码',
      new_password: '新密码至少 8 位',
      repeat: '两次输入的新密码不一致',
    })
    expect(passwordProblems('same-password', 'same-password', 'same-password')).toEqual({
      new_password: '新密码不能与当前密码相同',
    })
    expect(passwordProblems('old-password', 'new-password', 'new-password')).toEqual({})
  })
})
