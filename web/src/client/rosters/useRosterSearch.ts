/**
 * Search the offline roster: by name or pinyin initials (the sync module
 * matches "zs" to 张三), narrowed to a township. Answers are computed on the
 * phone, so typing stays fast without signal.
 */
import { computed, ref, watch } from 'vue'

import { listServiceCenters, listTalents, type ServiceCenterListItem, type TalentListItem } from '../sync'
import { orgUnits, townshipOf } from './orgUnits'
import { PAGE_SIZE } from './rosterText'

export type RosterKind = 'talent' | 'service_center'

const SEARCH_DELAY_MS = 120

export function useRosterSearch<K extends RosterKind>(kind: K, pageSize: number = PAGE_SIZE) {
  type Item = K extends 'talent' ? TalentListItem : ServiceCenterListItem
  const query = ref('')
  /** Township (镇街) id, or '' for all. */
  const township = ref('')
  const all = ref<Item[]>([]) as { value: Item[] }
  const loading = ref(false)
  const failed = ref(false)
  const shown = ref(pageSize)
  let timer: ReturnType<typeof setTimeout> | undefined
  let generation = 0

  async function run(): Promise<void> {
    const mine = ++generation
    loading.value = true
    try {
      const q = query.value.trim()
      const items = (kind === 'talent' ? await listTalents(q) : await listServiceCenters(q)) as Item[]
      if (mine !== generation) return
      all.value = items
      failed.value = false
      shown.value = pageSize
    } catch (error) {
      console.error('Roster search failed', error)
      if (mine === generation) failed.value = true
    } finally {
      if (mine === generation) loading.value = false
    }
  }

  const filtered = computed<Item[]>(() => {
    if (!township.value) return all.value
    return all.value.filter((item) => townshipOf(item.org_unit_id, orgUnits.units) === township.value)
  })
  const visible = computed(() => filtered.value.slice(0, shown.value))
  const hasMore = computed(() => filtered.value.length > shown.value)

  watch(query, () => {
    clearTimeout(timer)
    timer = setTimeout(() => void run(), SEARCH_DELAY_MS)
  })
  watch(township, () => (shown.value = pageSize))

  return {
    query,
    township,
    filtered,
    visible,
    hasMore,
    loading,
    failed,
    refresh: run,
    more(): void {
      shown.value += pageSize
    },
  }
}
