import { nextTick, reactive } from 'vue'
import { describe, expect, it } from 'vitest'

import { useConfirm } from './confirm'
import { useErrors } from './useErrors'
import { checkMax, firstErrorKey, textLength, type Errors } from './validation'

describe('useConfirm', () => {
  it('resolves true on the action and false on cancel', async () => {
    const confirm = useConfirm()
    const yes = confirm.ask({ title: '删除这张照片？', action: '删除照片' })
    expect(confirm.state).toMatchObject({ show: true, title: '删除这张照片？', action: '删除照片', description: '' })
    confirm.answer(true)
    expect(await yes).toBe(true)
    expect(confirm.state.show).toBe(false)
    const no = confirm.ask({ title: 't', action: 'a' })
    confirm.answer(false)
    expect(await no).toBe(false)
  })

  it('answers an earlier question with no when asked again', async () => {
    const confirm = useConfirm()
    const first = confirm.ask({ title: '1', action: 'a' })
    const second = confirm.ask({ title: '2', action: 'b', description: '说明' })
    expect(await first).toBe(false)
    expect(confirm.state).toMatchObject({ show: true, title: '2', description: '说明' })
    confirm.answer(true)
    expect(await second).toBe(true)
  })
})

describe('useErrors', () => {
  it('shows nothing until asked, then follows the state, replacing the object only on a change', async () => {
    const form = reactive({ name: '', note: '' })
    const { errors, show } = useErrors((): Errors => (form.name ? {} : { name: '请填写姓名' }))
    expect(errors.value).toEqual({})
    show.value = true
    await nextTick()
    expect(errors.value).toEqual({ name: '请填写姓名' })
    const before = errors.value
    form.note = '与错误无关的修改'
    await nextTick()
    expect(errors.value).toBe(before)
    form.name = '张三'
    await nextTick()
    expect(errors.value).toEqual({})
  })
})

describe('validation helpers', () => {
  it('counts code points, as the server does', () => {
    expect(textLength('张三')).toBe(2)
    expect(textLength('𠀀')).toBe(1)
  })
  it('reports a text over its limit in Chinese', () => {
    const errors: Errors = {}
    checkMax(errors, 'place', '很'.repeat(201), 200, '地点')
    expect(errors).toEqual({ place: '地点不能超过 200 字' })
  })
  it('finds the first error in display order', () => {
    expect(firstErrorKey({ notes: 'x', mode: 'y' }, ['campaign', 'mode', 'notes'])).toBe('mode')
    expect(firstErrorKey({ other: 'x' }, ['mode'])).toBe('other')
  })
})
