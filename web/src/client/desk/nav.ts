/**
 * The desk (管理台): the desktop screens of admins and, later, supervisors. Each entry is one
 * side-navigation item and one lazily loaded route under /desk, so the field screens' bundle
 * never carries them. Other screens (rosters, campaigns, imports, a supervisors' desk) add
 * their entry here.
 */
import type { RouteRecordRaw } from 'vue-router'

import type { Role } from '../api'

export interface DeskEntry {
  /** Path under /desk (no leading slash). */
  path: string
  name: string
  /** Side-navigation label and page title (zh-CN). */
  title: string
  /** Roles that see the entry and may open its route. */
  roles: readonly Role[]
  component: NonNullable<RouteRecordRaw['component']>
}

export const DESK_NAV: readonly DeskEntry[] = [
  { path: 'units', name: 'desk-units', title: '组织机构', roles: ['admin'], component: () => import('./units/UnitsView.vue') },
  { path: 'users', name: 'desk-users', title: '用户管理', roles: ['admin'], component: () => import('./users/UsersView.vue') },
  { path: 'rosters', name: 'desk-rosters', title: '人才与服务中心', roles: ['admin'], component: () => import('./rosters/RosterAdminView.vue') },
  { path: 'campaigns', name: 'desk-campaigns', title: '活动配置', roles: ['admin'], component: () => import('./campaigns/CampaignAdminView.vue') },
  { path: 'templates', name: 'desk-templates', title: '检查模板', roles: ['admin'], component: () => import('./templates/TemplateAdminView.vue') },
  { path: 'import', name: 'desk-import', title: '名单导入', roles: ['admin'], component: () => import('./import/ImportView.vue') },
  { path: 'import-unsent', name: 'desk-import-unsent', title: '导入未同步数据', roles: ['admin'], component: () => import('./import/UnsentView.vue') },
  { path: 'audit', name: 'desk-audit', title: '审计日志', roles: ['admin'], component: () => import('./audit/AuditView.vue') },
]

/** The entries a role sees, in order. */
export function entriesFor(role: Role | undefined): DeskEntry[] {
  return role === undefined ? [] : DESK_NAV.filter((entry) => entry.roles.includes(role))
}

/** The desk's route: the layout, with one child per entry (and /desk opening the first one). */
export function deskRoute(): RouteRecordRaw {
  return {
    path: '/desk',
    component: () => import('./DeskLayout.vue'),
    meta: { title: '管理台', desk: true },
    children: [
      { path: '', name: 'desk', redirect: () => ({ name: DESK_NAV[0]!.name }), meta: { title: '管理台', desk: true } },
      ...DESK_NAV.map((entry) => ({
        path: entry.path,
        name: entry.name,
        component: entry.component,
        meta: { title: entry.title, desk: true, deskRoles: entry.roles },
      })),
    ],
  }
}
