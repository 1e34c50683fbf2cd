/**
 * The sync module's reactive state. Only the engine writes it; callers get the
 * read-only view exported from ./index.ts.
 */
import { reactive, readonly } from 'vue'

import { session } from '../auth/session'
import { unsynced } from './unsynced'
import type { SyncState } from './types'

export const state = reactive({
  running: false,
  phase: 'idle',
  progress: { done: 0, total: 0 },
  // The counts come from the outbox figures (outbox/outboxStats.ts), which every outbox change refreshes.
  get pendingCount(): number {
    return unsynced.count
  },
  get oldestPendingAt(): number | null {
    return unsynced.oldestCreatedAt
  },
  lastSyncedAt: null,
  lastError: null,
  get needsSignIn(): boolean {
    return session.needsReauth
  },
  clockSkewWarning: false,
} as SyncState)

export const syncState: Readonly<SyncState> = readonly(state) as Readonly<SyncState>
