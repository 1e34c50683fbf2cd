/** 检查模板 in the desk (admins); the lead wires these into the shell's nav. */
import type { RouteRecordRaw } from 'vue-router'

export const templateAdminRoutes: RouteRecordRaw[] = [
  {
    path: '/desk/templates',
    name: 'desk-templates',
    component: () => import('./TemplateAdminView.vue'),
    meta: { title: '检查模板' },
  },
]
