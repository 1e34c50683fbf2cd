import 'fake-indexeddb/auto'

import { nextTick, reactive } from 'vue'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'

import { closeDb, deleteDraft, getDraft } from '../storage'
import { hasUnsavedForms } from '../sw/updateGuard'
import { readDraftData } from './drafts'

// The composable listens for the page being hidden; Node has no document.
beforeAll(() => {
  const doc = Object.assign(new EventTarget(), { visibilityState: 'visible' })
  Object.assign(globalThis, { document: doc, window: new EventTarget() })
})

afterEach(async () => {
  await deleteDraft('v1')
  await closeDb()
})

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function setup(delayMs = 250) {
  const { useAutosave } = await import('./useAutosave')
  const form = reactive<{ state: { text: string } | null }>({ state: null })
  const autosave = useAutosave<{ text: string }>({
    id: () => 'v1',
    kind: 'visit',
    state: () => form.state,
    read: () => form.state,
    summary: (s) => ({ title: `人才走访 · ${s.text}`, subtitle: '' }),
    delayMs,
  })
  return { form, autosave }
}

describe('useAutosave', () => {
  it('does not save the state arriving from storage, only edits', async () => {
    const { form, autosave } = await setup()
    form.state = { text: 'loaded' }
    autosave.start()
    await nextTick()
    await sleep(300)
    expect(await getDraft('v1')).toBeUndefined()
    expect(hasUnsavedForms.value).toBe(false)
  })

  it('saves within 300 ms of an edit and holds app updates back until then', async () => {
    const { form, autosave } = await setup()
    form.state = { text: '' }
    await nextTick()
    autosave.start()
    form.state.text = '张'
    await nextTick()
    expect(hasUnsavedForms.value).toBe(true)
    expect(autosave.status.value).toBe('pending')
    await sleep(320)
    const stored = readDraftData<{ text: string }>(await getDraft('v1'), 'visit')
    expect(stored?.state).toEqual({ text: '张' })
    expect(stored?.title).toBe('人才走访 · 张')
    expect(hasUnsavedForms.value).toBe(false)
    expect(autosave.status.value).toBe('saved')
  })

  it('keeps saving during steady typing (not a trailing debounce)', async () => {
    const { form, autosave } = await setup(100)
    form.state = { text: '' }
    await nextTick()
    autosave.start()
    for (const ch of '张三李四王五') {
      form.state.text += ch
      await sleep(40)
    }
    // Typing lasted ~240 ms; a trailing debounce would not have saved yet.
    const stored = readDraftData<{ text: string }>(await getDraft('v1'), 'visit')
    expect(stored?.state.text.length).toBeGreaterThanOrEqual(2)
    await autosave.flush()
  })

  it('writes at once when the page is hidden', async () => {
    const { form, autosave } = await setup(10_000)
    form.state = { text: '' }
    await nextTick()
    autosave.start()
    form.state.text = '离开前'
    await nextTick()
    ;(document as unknown as { visibilityState: string }).visibilityState = 'hidden'
    document.dispatchEvent(new Event('visibilitychange'))
    ;(document as unknown as { visibilityState: string }).visibilityState = 'visible'
    await autosave.flush()
    expect(readDraftData<{ text: string }>(await getDraft('v1'), 'visit')?.state.text).toBe('离开前')
  })

  it('discard deletes the draft and stops saving', async () => {
    const { form, autosave } = await setup(50)
    form.state = { text: '' }
    await nextTick()
    autosave.start()
    form.state.text = 'x'
    await nextTick()
    await autosave.flush()
    expect(await getDraft('v1')).toBeDefined()
    await autosave.discard()
    form.state.text = 'y'
    await nextTick()
    await sleep(80)
    expect(await getDraft('v1')).toBeUndefined()
    expect(hasUnsavedForms.value).toBe(false)
  })
})
