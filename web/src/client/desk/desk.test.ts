import { describe, expect, it } from 'vitest'

import { ApiError } from '../http'
import type { AdminUnit, AdminUser, AuditEntry, Device } from './api'
import { query } from './api'
import { changeSummary, actionLabel } from './audit/audit'
import { fieldError } from './errors'
import { DESK_NAV, deskRoute, entriesFor } from './nav'
import { childKinds, moveTargets, treeRows } from './units/tree'
import { changes, deviceState, toFilters, when } from './users/users'

function unit(id: string, name: string, parent: AdminUnit | null, extra: Partial<AdminUnit> = {}): AdminUnit {
  return {
    id,
    name,
    kind: parent === null ? 'county' : 'township',
    parent_id: parent?.id ?? null,
    path: `${parent?.path ?? '/'}${id}/`,
    code: null,
    active: true,
    user_count: 0,
    ...extra,
  }
}

const county = unit('c', '清源县', null)
const nanshan = unit('n', '南山镇', county)
const chengguan = unit('g', '城关镇', county)
const village = unit('v', '东门村', chengguan, { kind: 'village' })
const closed = unit('x', '旧村', nanshan, { kind: 'village', active: false })
const UNITS = [county, village, nanshan, closed, chengguan]

describe('the org tree', () => {
  it('lists units in tree order with their depth, siblings by name', () => {
    expect(treeRows(UNITS).map((r) => [r.unit.name, r.depth])).toEqual([
      ['清源县', 0],
      ['城关镇', 1],
      ['东门村', 2],
      ['南山镇', 1],
      ['旧村', 2],
    ])
  })

  it('roots a township admin’s subtree at their own unit', () => {
    expect(treeRows([village, chengguan]).map((r) => r.depth)).toEqual([0, 1])
  })

  it('moves a unit only under an active unit outside its subtree', () => {
    expect(moveTargets(UNITS, chengguan).map((u) => u.name)).toEqual(['南山镇'])
    expect(moveTargets(UNITS, village).map((u) => u.name)).toEqual(['清源县', '南山镇'])
  })

  it('suggests the usual kinds under a parent', () => {
    expect(childKinds(county)[0]).toBe('township')
    expect(childKinds(chengguan)).toContain('village')
  })
})

describe('users', () => {
  const user: AdminUser = {
    id: 'u',
    username: 'zhangsan',
    display_name: '张三',
    role: 'field_staff',
    org_unit_id: 'g',
    org_unit_name: '城关镇',
    phone: '13800001111',
    active: true,
    must_change_password: false,
  }

  it('turns the filter form into query parameters, leaving out what is not set', () => {
    const filters = toFilters({ q: ' 张 ', unitId: '', role: 'admin', active: 'false', page: 2 })
    expect(filters).toEqual({ q: '张', unit_id: null, role: 'admin', active: false, limit: 50, offset: 100 })
    expect(query({ ...filters })).toBe('?q=%E5%BC%A0&role=admin&active=false&limit=50&offset=100')
  })

  it('sends only the fields that changed', () => {
    const same = { display_name: '张三', phone: '13800001111', role: user.role, org_unit_id: 'g' }
    expect(changes(user, same)).toEqual({})
    expect(changes(user, { ...same, display_name: ' 张叁 ', org_unit_id: 'n' })).toEqual({
      display_name: '张叁',
      org_unit_id: 'n',
    })
  })

  it('tells signed-out and expired devices from those in use', () => {
    const device: Device = {
      id: 't',
      device_id: 'd',
      device_name: 'Android',
      signed_in_at: '2026-11-01T00:00:00Z',
      last_used_at: null,
      last_sync_at: null,
      expires_at: '2027-01-01T00:00:00Z',
      revoked_at: null,
    }
    const now = new Date('2026-12-01T00:00:00Z')
    expect(deviceState(device, now)).toBe('在用')
    expect(deviceState({ ...device, revoked_at: '2026-11-30T00:00:00Z' }, now)).toBe('已退出')
    expect(deviceState(device, new Date('2027-02-01T00:00:00Z'))).toBe('已过期')
  })

  it('shows times in county time', () => {
    expect(when('2026-12-01T16:30:00Z')).toBe('2026-12-02 00:30')
    expect(when(null)).toBe('—')
  })
})

describe('errors next to their field', () => {
  it('shows the server’s Chinese message for admin codes, with its field', () => {
    const error = new ApiError(409, 'user.username_taken', '用户名已被使用', { field: 'username' })
    expect(fieldError(error)).toEqual({ field: 'username', message: '用户名已被使用' })
  })

  it('finds the field of a schema validation error', () => {
    const error = new ApiError(400, 'request.validation', 'Expected `str` matching regex - at `$.username`')
    expect(fieldError(error).field).toBe('username')
    expect(fieldError(error).message).toContain('小写字母')
  })

  it('words anything else in the common way', () => {
    expect(fieldError(new ApiError(403, 'auth.forbidden', 'requires role admin'))).toEqual({ field: null, message: '没有权限' })
  })
})

describe('the audit log', () => {
  const entry = (details: Record<string, unknown>): AuditEntry => ({
    id: 'a',
    created_at: '2026-12-01T00:00:00Z',
    actor_username: 'admin',
    actor_name: '管理员',
    action: 'org_unit.update',
    entity: 'org_unit',
    entity_id: 'n',
    details,
    ip: '127.0.0.1',
  })

  it('summarises what changed', () => {
    expect(changeSummary(entry({ before: { name: '甲', kind: 'township' }, after: { name: '乙', kind: 'township' } }))).toBe('name: 甲 → 乙')
    expect(changeSummary(entry({}))).toBe('')
  })

  it('names actions in Chinese and keeps unknown ones as they are', () => {
    expect(actionLabel('user.reset_password')).toBe('重置密码')
    expect(actionLabel('import.undo')).toBe('import.undo')
  })
})

describe('the desk navigation', () => {
  it('gives admins every entry and other roles none yet', () => {
    expect(entriesFor('admin').map((e) => e.title)).toEqual(['组织机构', '用户管理', '人才与服务中心', '活动配置', '检查模板', '名单导入', '导入未同步数据', '审计日志'])
    expect(entriesFor('field_staff')).toEqual([])
    expect(entriesFor(undefined)).toEqual([])
  })

  it('makes one lazily loaded child route per entry', () => {
    const route = deskRoute()
    expect(route.path).toBe('/desk')
    const names = (route.children ?? []).map((c) => c.name)
    expect(names).toEqual(['desk', ...DESK_NAV.map((e) => e.name)])
    for (const entry of DESK_NAV) expect(typeof entry.component).toBe('function')
  })
})
