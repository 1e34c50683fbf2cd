/** 活动配置 in the desk (admins); the lead wires these into the shell's nav. */
import type { RouteRecordRaw } from 'vue-router'

export const campaignAdminRoutes: RouteRecordRaw[] = [
  {
    path: '/desk/campaigns',
    name: 'desk-campaigns',
    component: () => import('./CampaignAdminView.vue'),
    meta: { title: '活动配置' },
  },
]
