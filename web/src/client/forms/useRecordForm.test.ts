import 'fake-indexeddb/auto'

import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'

import { toDraftData } from '../drafts/drafts'
import { closeDb, deleteDraft, getDraft, saveDraft } from '../storage'
import type { MyVisit } from '../sync'
import { useRecordForm } from './useRecordForm'
import type { Errors } from './validation'

const { router, getMyRecord, discardPhoto } = vi.hoisted(() => ({
  router: { replace: vi.fn(async (_path: string) => {}) },
  getMyRecord: vi.fn(async (_kind: string, _id: string): Promise<MyVisit | undefined> => undefined),
  discardPhoto: vi.fn(async (_sha256: string) => {}),
}))
vi.mock('vue-router', () => ({
  useRoute: () => ({ params: { id: 'v1' }, query: {} }),
  useRouter: () => router,
  onBeforeRouteLeave: () => {},
}))
vi.mock('../sync', () => ({ getMyRecord, discardPhoto }))
vi.mock('./toast', () => ({ toast: vi.fn() }))
vi.mock('./navigation', () => ({ scrollToField: vi.fn() }))

// The autosave listens for the page being hidden; Node has no document.
beforeAll(() => {
  const doc = Object.assign(new EventTarget(), { visibilityState: 'visible' })
  Object.assign(globalThis, { document: doc, window: new EventTarget() })
})

beforeEach(() => vi.clearAllMocks())

afterEach(async () => {
  await deleteDraft('v1')
  await closeDb()
})

interface State {
  base_status: 'returned' | null
  review_comment: string
  queued: boolean
  text: string
  plan: string
}

function setup() {
  const queue = vi.fn(async () => {})
  const start = vi.fn(
    async (): Promise<State> => ({ base_status: null, review_comment: '', queued: false, text: '', plan: 'p1' }),
  )
  const form = useRecordForm({
    kind: 'visit',
    loadSetup: async () => {},
    start,
    prepare(state: State) {
      if (!state.text) state.text = '新'
    },
    basis: (state) => (state.plan ? { id: state.plan } : undefined),
    validate: (state, basis, rules): Errors => {
      const errors: Errors = {}
      if (!basis) errors['plan'] = '请选择'
      if (rules.submit && state.text.length < 2) errors['text'] = '太短'
      return errors
    },
    fieldOrder: () => ['plan', 'text'],
    summary: (state) => ({ title: state.text, subtitle: '' }),
    queue,
  })
  return { form, queue, start }
}

describe('useRecordForm', () => {
  it('opens a new record and brings it up to date', async () => {
    const { form, start } = setup()
    await form.open()
    expect(start).toHaveBeenCalledWith(undefined, { id: 'v1', today: form.today.value })
    expect(form.draft.value?.text).toBe('新')
    expect(form.basis.value).toEqual({ id: 'p1' })
  })

  it('reopens the draft left on the phone rather than starting again', async () => {
    const left: State = { base_status: null, review_comment: '', queued: false, text: '上次', plan: 'p1' }
    await saveDraft('v1', 'visit', toDraftData(left, { title: '', subtitle: '' }))
    const { form, start } = setup()
    await form.open()
    expect(start).not.toHaveBeenCalled()
    expect(form.draft.value?.text).toBe('上次')
  })

  it('shows a record under review read-only', async () => {
    getMyRecord.mockResolvedValueOnce({ id: 'v1', status: 'submitted' } as MyVisit)
    const { form } = setup()
    await form.open()
    expect(router.replace).toHaveBeenCalledWith('/records/visit/v1')
    expect(form.draft.value).toBeNull()
  })

  it('keeps an incomplete draft on the phone and sends a complete one to the outbox', async () => {
    const { form, queue } = setup()
    await form.open()
    form.draft.value!.plan = ''
    await form.saveDraft()
    expect(queue).not.toHaveBeenCalled()
    expect(await getDraft('v1')).toBeDefined()

    form.draft.value!.plan = 'p2'
    await form.saveDraft()
    expect(queue).toHaveBeenCalledWith(form.draft.value, { id: 'p2' }, { submit: false })
    expect(form.draft.value?.queued).toBe(true)
  })

  it('submits only a valid record, then drops the draft and shows the record', async () => {
    const { form, queue } = setup()
    await form.open()
    await form.submit()
    expect(queue).not.toHaveBeenCalled()
    expect(form.errors.value).toEqual({ text: '太短' })

    form.draft.value!.text = '完整内容'
    await form.submit()
    expect(queue).toHaveBeenCalledWith(form.draft.value, { id: 'p1' }, { submit: true })
    expect(await getDraft('v1')).toBeUndefined()
    expect(router.replace).toHaveBeenCalledWith('/records/visit/v1')
  })

  it('deletes a removed photo only while the record never reached the outbox', async () => {
    const { form } = setup()
    await form.open()
    form.discardUnqueued('a'.repeat(64))
    form.draft.value!.queued = true
    form.discardUnqueued('b'.repeat(64))
    expect(discardPhoto).toHaveBeenCalledTimes(1)
    expect(discardPhoto).toHaveBeenCalledWith('a'.repeat(64))
  })
})
