/**
 * Names of the org units in the user's scope, for the township filter. The
 * sync pull carries ids only, so the list is fetched from /api/org-units after
 * the first successful sync of each app start (so it is there before the phone
 * goes offline, whichever screen was opened) and kept in localStorage (a small
 * display cache, not user data: losing it only hides the filter until the next
 * fetch).
 */
import { reactive } from 'vue'

import { requestJson } from '../http'
import { session } from '../auth/session'

export interface OrgUnit {
  id: string
  name: string
  kind: string
  parent_id: string | null
}

const STORAGE_KEY = 'zoufang.org_units.v1'
const TOWNSHIP_KINDS = new Set(['township', 'subdistrict'])

function readCache(): OrgUnit[] {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '[]')
    return Array.isArray(parsed) ? (parsed as OrgUnit[]).filter((u) => typeof u?.id === 'string') : []
  } catch {
    return []
  }
}

const state = reactive({ units: readCache() })
export const orgUnits = state

let fetched = false

/** Refresh the cache once per app start, in the background; offline it keeps the last copy. */
export function refreshOrgUnits(): void {
  if (fetched || !session.token || !navigator.onLine) return
  fetched = true
  requestJson('GET', '/api/org-units', { token: session.token, timeoutMs: 10_000 })
    .then((body) => {
      if (!Array.isArray(body)) return
      const units = (body as Record<string, unknown>[])
        .filter((u) => typeof u['id'] === 'string' && typeof u['name'] === 'string')
        .map((u) => ({
          id: u['id'] as string,
          name: u['name'] as string,
          kind: String(u['kind'] ?? ''),
          parent_id: typeof u['parent_id'] === 'string' ? u['parent_id'] : null,
        }))
      state.units = units
      localStorage.setItem(STORAGE_KEY, JSON.stringify(units))
    })
    .catch(() => {
      fetched = false
    })
}

/** Someone else signed in on this phone: their scope has other units. */
export function forgetOrgUnits(): void {
  fetched = false
  state.units = []
  localStorage.removeItem(STORAGE_KEY)
}

/** Townships and subdistricts (镇街) among the cached units, by name. */
export function townships(units: readonly OrgUnit[]): OrgUnit[] {
  return units.filter((u) => TOWNSHIP_KINDS.has(u.kind)).sort((a, b) => a.name.localeCompare(b.name, 'zh-CN'))
}

/** The township (or subdistrict) a unit belongs to, itself included; null above township level or unknown. */
export function townshipOf(unitId: string, units: readonly OrgUnit[]): string | null {
  const byId = new Map(units.map((u) => [u.id, u]))
  let unit = byId.get(unitId)
  for (let depth = 0; unit && depth < 10; depth++) {
    if (TOWNSHIP_KINDS.has(unit.kind)) return unit.id
    unit = unit.parent_id ? byId.get(unit.parent_id) : undefined
  }
  return null
}

export function unitName(unitId: string, units: readonly OrgUnit[]): string {
  return units.find((u) => u.id === unitId)?.name ?? ''
}
