/**
 * Reactive unsynced-work figures for the badge and status strip: the signed-in
 * user's queued mutations and not-yet-uploaded photos, read from IndexedDB.
 * Refreshed on every outbox or photo change in this tab, when the user changes,
 * and when the tab becomes visible (another tab may have synced meanwhile).
 */
import { reactive, readonly, watch } from 'vue'

import { session } from '../auth/session'
import { onOutboxChange, unsyncedStats } from '../storage'

const state = reactive({
  /** Records with unsynced changes, plus photos the server does not have. */
  count: 0,
  records: 0,
  mutations: 0,
  photos: 0,
  oldestCreatedAt: null as number | null,
  /** Unsynced items of other accounts on this phone (they sync when that person signs in). */
  otherUsers: 0,
  /** IndexedDB could not be read: show that, not a reassuring zero. */
  failed: false,
})

export const unsynced = readonly(state)

let generation = 0

export async function refreshOutboxStats(): Promise<void> {
  const mine = ++generation
  try {
    const stats = await unsyncedStats(session.user?.id ?? null)
    if (mine !== generation) return // a newer refresh started meanwhile
    state.count = stats.count
    state.records = stats.records
    state.mutations = stats.mutations
    state.photos = stats.photos
    state.oldestCreatedAt = stats.oldestCreatedAt
    state.otherUsers = stats.otherUsers
    state.failed = false
  } catch (error) {
    console.error('Reading the outbox failed', error)
    state.failed = true
  }
}

export function startOutboxStatsWatch(): void {
  void refreshOutboxStats()
  onOutboxChange(() => void refreshOutboxStats())
  watch(
    () => session.user?.id,
    () => void refreshOutboxStats(),
  )
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') void refreshOutboxStats()
  })
}
