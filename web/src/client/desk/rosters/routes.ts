/** 人才与服务中心维护 in the desk (admins); the lead wires these into the shell's nav. */
import type { RouteRecordRaw } from 'vue-router'

export const rosterAdminRoutes: RouteRecordRaw[] = [
  {
    path: '/desk/rosters',
    name: 'desk-rosters',
    component: () => import('./RosterAdminView.vue'),
    meta: { title: '人才与服务中心' },
  },
]
