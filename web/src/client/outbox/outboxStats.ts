/**
 * Reactive unsynced-work figures for the badge and status strip, read from the
 * outbox in IndexedDB. Refreshed on every outbox change in this tab and when
 * the tab becomes visible (another tab may have synced meanwhile).
 */
import { reactive, readonly } from 'vue'

import { onOutboxChange, outboxStats } from '../storage/db'

const state = reactive({
  count: 0,
  oldestCreatedAt: null as number | null,
  /** IndexedDB could not be read: show that, not a reassuring zero. */
  failed: false,
})

export const unsynced = readonly(state)

export async function refreshOutboxStats(): Promise<void> {
  try {
    const stats = await outboxStats()
    state.count = stats.count
    state.oldestCreatedAt = stats.oldestCreatedAt
    state.failed = false
  } catch (error) {
    console.error('Reading the outbox failed', error)
    state.failed = true
  }
}

export function startOutboxStatsWatch(): void {
  void refreshOutboxStats()
  onOutboxChange(() => void refreshOutboxStats())
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') void refreshOutboxStats()
  })
}
