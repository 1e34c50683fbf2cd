/**
 * Desk routes of 名单导入 and 未同步数据导入 (admins), lazy-loaded; the desk shell adds them to
 * its router.
 */
import type { RouteRecordRaw } from 'vue-router'

export const importRoutes: RouteRecordRaw[] = [
  {
    path: '/desk/import',
    name: 'desk-import',
    component: () => import('./ImportView.vue'),
    meta: { title: '名单导入' },
  },
  {
    path: '/desk/import/unsent',
    name: 'desk-import-unsent',
    component: () => import('./UnsentView.vue'),
    meta: { title: '导入未同步数据' },
  },
]
