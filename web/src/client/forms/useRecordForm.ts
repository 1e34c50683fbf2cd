/**
 * What every record form (a visit, an inspection) does around its fields: open the record — the
 * draft left on this phone, the record reopened for correction, or a new one — autosave it,
 * check it, save it as a draft (also to the outbox once it is complete enough) and submit it.
 * The route's id is the record's id, so a reload (or a killed browser) reopens the same draft.
 */
import { computed, getCurrentInstance, onMounted, ref, type ComputedRef, type Ref } from 'vue'
import { onBeforeRouteLeave, useRoute, useRouter } from 'vue-router'

import { readDraftData, type DraftKind, type DraftSummary } from '../drafts/drafts'
import { useAutosave, type AutosaveStatus } from '../drafts/useAutosave'
import { photosInProgress } from '../photos/progress'
import { isEditable } from '../records/labels'
import { getDraft } from '../storage'
import { discardPhoto, getMyRecord, type MyInspection, type MyVisit, type RecordStatus } from '../sync'
import { isoDate } from './dates'
import { scrollToField } from './navigation'
import { toast } from './toast'
import { useErrors } from './useErrors'
import { firstErrorKey, type CheckRules, type Errors } from './validation'

/** What the state of every record form holds besides its fields. */
export interface RecordFormState {
  /** Review status when the record was reopened from the server; null for a new record. */
  base_status: RecordStatus | null
  /** The reviewer's comment on a returned record, shown above the form. */
  review_comment: string
  /** Sent to the outbox at least once: its photos may be referenced by a queued change. */
  queued: boolean
}

type RecordOf<K extends DraftKind> = K extends 'visit' ? MyVisit : MyInspection

/** `B` is what the record is filled in against: the visit's campaign, the inspection's template. */
export interface RecordFormOptions<K extends DraftKind, S extends RecordFormState, B> {
  kind: K
  /** Read what the form needs from the phone (campaigns, templates): before the record itself. */
  loadSetup(): Promise<void>
  /** The state when this phone has no draft: the record reopened for correction, or a new one. */
  start(record: RecordOf<K> | undefined, context: { id: string; today: string }): Promise<S>
  /** Brings a loaded state up to date with its basis (e.g. items added to a template). */
  prepare?(state: S): void
  basis(state: S): B | undefined
  validate(state: S, basis: B | undefined, rules: CheckRules): Errors
  /** Error keys in the order the form shows them: a failed submit scrolls to the first. */
  fieldOrder(state: S, basis: B | undefined): string[]
  summary(state: S): DraftSummary
  queue(state: S, basis: B, options: { submit: boolean }): Promise<void>
}

export interface RecordForm<S extends RecordFormState, B = unknown> {
  id: string
  /** Null while loading (and after a failed load). */
  draft: Ref<S | null>
  basis: ComputedRef<B | undefined>
  loadError: Ref<string>
  busy: Ref<boolean>
  /** Today's date (yyyy-mm-dd), renewed at each check: the latest date a record may carry. */
  today: Ref<string>
  errors: Ref<Errors>
  /** The autosave's progress, for the nav bar. */
  status: Readonly<Ref<AutosaveStatus>>
  /** Load the record and start autosaving: done on mount. */
  open(): Promise<void>
  saveDraft(): Promise<void>
  submit(): Promise<void>
  /** A photo removed before the record ever reached the outbox is deleted; once queued it stays. */
  discardUnqueued(sha256: string): void
}

export function useRecordForm<K extends DraftKind, S extends RecordFormState, B>(
  options: RecordFormOptions<K, S, B>,
): RecordForm<S, B> {
  const route = useRoute()
  const router = useRouter()
  const id = String(route.params['id'])
  const kind = options.kind
  const readOnlyPath = `/records/${kind}/${id}`

  const draft = ref<S | null>(null) as Ref<S | null>
  const loadError = ref('')
  const busy = ref(false)
  const today = ref(isoDate(Date.now()))
  const basis = computed(() => (draft.value ? options.basis(draft.value) : undefined))

  const { errors, show: showErrors } = useErrors(() =>
    draft.value ? options.validate(draft.value, basis.value, { today: today.value, submit: true }) : null,
  )
  const autosave = useAutosave<S>({
    id: () => id,
    kind,
    state: () => draft.value,
    read: () => draft.value,
    summary: options.summary,
  })

  async function load(): Promise<void> {
    await options.loadSetup()
    const record = (await getMyRecord(kind, id)) as RecordOf<K> | undefined
    if (record && !isEditable(record.status)) {
      // Under review or approved: read it, do not edit it (even if an old draft is left).
      await router.replace(readOnlyPath)
      return
    }
    const stored = readDraftData<S>(await getDraft(id), kind)
    const state = stored ? stored.state : await options.start(record, { id, today: today.value })
    options.prepare?.(state)
    draft.value = state
  }

  async function open(): Promise<void> {
    try {
      await load()
    } catch (error) {
      console.error(`Opening the ${kind} failed`, error)
      loadError.value = '无法读取本机数据，请返回后重试'
    }
    autosave.start()
  }
  if (getCurrentInstance()) onMounted(open)

  function check(submit: boolean): Errors {
    today.value = isoDate(Date.now())
    return draft.value ? options.validate(draft.value, basis.value, { today: today.value, submit }) : { form: '' }
  }

  async function saveDraft(): Promise<void> {
    if (!draft.value || busy.value) return
    busy.value = true
    try {
      await autosave.touch()
      const b = basis.value
      if (b !== undefined && Object.keys(check(false)).length === 0) {
        // Complete enough for the server: keep a copy there too (another phone can see it).
        await options.queue(draft.value, b, { submit: false })
        draft.value.queued = true
        await autosave.flush()
        toast('草稿已保存，联网后同步到服务器')
      } else {
        toast('草稿已保存在本机')
      }
    } catch (error) {
      console.error('Saving the draft failed', error)
      toast('保存失败，请重试')
    } finally {
      busy.value = false
    }
  }

  async function submit(): Promise<void> {
    if (!draft.value || busy.value) return
    if (photosInProgress.value > 0) {
      toast('照片还在处理，请稍候再提交')
      return
    }
    const found = check(true)
    const b = basis.value
    if (Object.keys(found).length > 0 || b === undefined) {
      showErrors.value = true
      toast('请检查标红的内容')
      scrollToField(firstErrorKey(found, options.fieldOrder(draft.value, b)))
      return
    }
    busy.value = true
    try {
      await options.queue(draft.value, b, { submit: true })
      // Only now is the draft redundant: the outbox holds the record.
      await autosave.discard()
      toast('已提交，联网后自动同步')
      await router.replace(readOnlyPath)
    } catch (error) {
      console.error(`Submitting the ${kind} failed`, error)
      toast('提交失败，内容已保存为草稿，请重试')
    } finally {
      busy.value = false
    }
  }

  onBeforeRouteLeave(async () => {
    await autosave.flush()
  })

  return {
    id,
    draft,
    basis,
    loadError,
    busy,
    today,
    errors,
    status: autosave.status,
    open,
    saveDraft,
    submit,
    discardUnqueued(sha256: string): void {
      if (draft.value && !draft.value.queued) discardPhoto(sha256).catch(() => {})
    },
  }
}
