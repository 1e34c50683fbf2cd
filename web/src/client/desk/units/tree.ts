/** The org tree as the desk shows it: rows in tree order with their depth, and move targets. */
import type { AdminUnit, UnitKind } from '../api'

export const KIND_LABELS: Readonly<Record<UnitKind, string>> = {
  county: '县',
  department: '县直部门',
  township: '镇',
  subdistrict: '街道',
  village: '村',
  community: '社区',
}

export interface TreeRow {
  unit: AdminUnit
  depth: number
}

/** Rows in tree order (by path, siblings by name), each with its depth below the top one. */
export function treeRows(units: readonly AdminUnit[]): TreeRow[] {
  if (units.length === 0) return []
  const children = new Map<string | null, AdminUnit[]>()
  const ids = new Set(units.map((u) => u.id))
  for (const unit of units) {
    const parent = unit.parent_id !== null && ids.has(unit.parent_id) ? unit.parent_id : null
    children.set(parent, [...(children.get(parent) ?? []), unit])
  }
  const rows: TreeRow[] = []
  const walk = (parent: string | null, depth: number): void => {
    const list = [...(children.get(parent) ?? [])].sort((a, b) => a.name.localeCompare(b.name, 'zh-CN'))
    for (const unit of list) {
      rows.push({ unit, depth })
      walk(unit.id, depth + 1)
    }
  }
  walk(null, 0)
  return rows
}

/** Units ``unit`` may move under: active ones outside its own subtree, not its parent now. */
export function moveTargets(units: readonly AdminUnit[], unit: AdminUnit): AdminUnit[] {
  return units.filter((u) => u.active && !u.path.startsWith(unit.path) && u.id !== unit.parent_id)
}

/** The kinds a child of ``parent`` usually has. */
export function childKinds(parent: AdminUnit | undefined): UnitKind[] {
  if (parent === undefined) return ['township']
  if (parent.kind === 'county') return ['township', 'subdistrict', 'department']
  if (parent.kind === 'township') return ['village', 'community']
  if (parent.kind === 'subdistrict') return ['community', 'village']
  return ['department', 'village', 'community']
}
