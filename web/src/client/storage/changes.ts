/**
 * Change notification, this tab only (other tabs refresh when they become
 * visible): the storage modules call notify* after a committed write.
 */
type Listener = () => void
const outboxListeners = new Set<Listener>()

/** Call `listener` after every committed change to the outbox. Returns an unsubscribe function. */
export function onOutboxChange(listener: Listener): () => void {
  outboxListeners.add(listener)
  return () => outboxListeners.delete(listener)
}

/** Tell the outbox listeners (after a committed write to the outbox or photos). */
export function notifyOutboxChange(): void {
  for (const listener of outboxListeners) listener()
}

const dataListeners = new Set<Listener>()

/** Call `listener` after pulled or acknowledged records, rosters or config change. */
export function onDataChange(listener: Listener): () => void {
  dataListeners.add(listener)
  return () => dataListeners.delete(listener)
}

/** Tell the data listeners (after a committed write to records, rosters or config). */
export function notifyDataChange(): void {
  for (const listener of dataListeners) listener()
}

