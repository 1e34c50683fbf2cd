/** Reading the payloads of queued mutations. */
import type { Mutation } from '../../shared/protocol'

/** Photos a queued mutation's payload expects. */
export function mutationPhotos(payload: unknown): string[] {
  const p = payload as Partial<Mutation> | null
  if (!p || typeof p !== 'object') return []
  if (p.op === 'visit.put') return [...(p.visit?.photos ?? [])]
  if (p.op === 'inspection.put') {
    return [...(p.inspection?.photos ?? []), ...(p.inspection?.item_results ?? []).flatMap((r) => r.photos ?? [])]
  }
  return []
}

