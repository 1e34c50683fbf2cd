/**
 * Routes, lazy-loaded so the first load carries only the shell. History mode:
 * the server (and the service worker offline) answers every in-app path with
 * index.html.
 */
import { createRouter, createWebHistory, type LocationQuery } from 'vue-router'

import { newId } from '../shared/ids'
import { canRecord, isReviewer } from './account/roles'
import type { Role } from './api'
import { isSignedIn, session } from './auth/session'
import { deskRoute, entriesFor } from './desk/nav'

declare module 'vue-router' {
  interface RouteMeta {
    /** Page title (zh-CN), also used for document.title. */
    title: string
    /** Reachable without signing in. */
    public?: boolean
    /** Shows the bottom tab bar. */
    tab?: boolean
    /** A form that records a visit or an inspection (only for roles that record). */
    records?: boolean
    /** Review of other people's records (supervisors and admins). */
    reviews?: boolean
    /** A desk (管理台) screen, for the roles that have desk entries. */
    desk?: boolean
    deskRoles?: readonly Role[]
  }
}

/** Wide enough for the desk's side navigation and tables (a desktop or a landscape tablet). */
const DESK_MIN_WIDTH = 1024

/** A new record gets its id before its form opens, so a reload reopens the same draft. */
const withNewId = (base: string) => (to: { query: LocationQuery }) => ({
  path: `${base}/${newId()}`,
  query: to.query,
})

export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: '/login', name: 'login', component: () => import('./auth/SignInView.vue'), meta: { title: '登录', public: true } },
    { path: '/', name: 'home', component: () => import('./home/HomeView.vue'), meta: { title: '首页', tab: true } },
    { path: '/outbox', name: 'outbox', component: () => import('./outbox/OutboxView.vue'), meta: { title: '待同步', tab: true } },
    { path: '/account', name: 'account', component: () => import('./account/AccountView.vue'), meta: { title: '我的', tab: true } },
    { path: '/account/password', name: 'password', component: () => import('./account/PasswordView.vue'), meta: { title: '修改密码' } },
    deskRoute(),
    // Field screens.
    { path: '/visits', redirect: '/visits/new' },
    { path: '/visits/new', redirect: withNewId('/visits') },
    { path: '/visits/:id', name: 'visit', component: () => import('./visit/VisitFormView.vue'), meta: { title: '人才走访', records: true } },
    { path: '/inspections', redirect: '/inspections/new' },
    { path: '/inspections/new', redirect: withNewId('/inspections') },
    { path: '/inspections/:id', name: 'inspection', component: () => import('./inspection/InspectionFormView.vue'), meta: { title: '阵地检查', records: true } },
    { path: '/rosters', name: 'rosters', component: () => import('./rosters/RostersView.vue'), meta: { title: '人才名单' } },
    { path: '/drafts', name: 'drafts', component: () => import('./drafts/DraftsView.vue'), meta: { title: '草稿' } },
    { path: '/records', name: 'records', component: () => import('./records/MyRecordsView.vue'), meta: { title: '我的记录' } },
    {
      path: '/records/:entity(visit|inspection)/:id',
      name: 'record',
      component: () => import('./records/RecordDetailView.vue'),
      meta: { title: '记录详情' },
    },
    { path: '/reviews', name: 'reviews', component: () => import('./reviews/ReviewsView.vue'), meta: { title: '审核', reviews: true } },
    {
      path: '/reviews/:entity(visit|inspection)/:id',
      name: 'review',
      component: () => import('./records/RecordDetailView.vue'),
      meta: { title: '审核', reviews: true },
    },
    { path: '/reports', name: 'reports', component: () => import('./reports/ReportsView.vue'), meta: { title: '周报', reviews: true } },
    { path: '/demands', name: 'demands', component: () => import('./demands/DemandsView.vue'), meta: { title: '诉求办理' } },
    { path: '/demands/:id', name: 'demand', component: () => import('./demands/DemandView.vue'), meta: { title: '诉求详情' } },
    { path: '/conflicts', name: 'conflicts', component: () => import('./conflicts/ConflictsView.vue'), meta: { title: '冲突处理' } },
    { path: '/:pathMatch(.*)*', redirect: '/' },
  ],
})

router.beforeEach((to, from) => {
  if (!to.meta.public && !isSignedIn()) {
    return { name: 'login', query: to.fullPath === '/' ? {} : { redirect: to.fullPath } }
  }
  const role = session.user?.role
  // A one-time password from an admin is changed before anything else.
  if (session.user?.must_change_password && !to.meta.public && to.name !== 'password') return { name: 'password' }
  if (to.meta.desk && (entriesFor(role).length === 0 || (to.meta.deskRoles && !to.meta.deskRoles.includes(role!)))) {
    return { name: 'home' }
  }
  // Signing in at a desk opens the desk; the phone's home stays one link away.
  if (from.name === 'login' && to.name === 'home' && window.innerWidth >= DESK_MIN_WIDTH && entriesFor(role).length > 0) {
    return { name: 'desk' }
  }
  // A handler's visit would be refused when it syncs: never let one be typed in.
  if (to.meta.records && !canRecord(session.user?.role)) return { name: 'home' }
  if (to.meta.reviews && !isReviewer(session.user?.role)) return { name: 'home' }
  // Signed in: the sign-in page is only for renewing an expired session.
  if (to.name === 'login' && isSignedIn() && !session.needsReauth) return { name: 'home' }
  return true
})

router.afterEach((to) => {
  document.title = to.meta.title ? `${to.meta.title} · 走访` : '走访'
})

// A page chunk failed to load: this tab runs an old version whose files are gone.
// The browser's own dialog: a Vant one might need a chunk that is gone as well.
router.onError((error: unknown, to) => {
  const message = error instanceof Error ? error.message : String(error)
  if (!/dynamically imported module|Importing a module script failed|Failed to fetch/i.test(message)) throw error
  if (!navigator.onLine) {
    window.alert('当前无网络，该页面暂时无法打开。')
  } else if (window.confirm('应用已更新，需要刷新页面后继续。现在刷新吗？')) {
    window.location.assign(to.fullPath)
  }
})
