/**
 * Routes, lazy-loaded so the first load carries only the shell. History mode:
 * the server (and the service worker offline) answers every in-app path with
 * index.html.
 */
import { createRouter, createWebHistory } from 'vue-router'

import { isSignedIn, session } from './auth/session'

declare module 'vue-router' {
  interface RouteMeta {
    /** Page title (zh-CN), also used for document.title. */
    title: string
    /** Reachable without signing in. */
    public?: boolean
    /** Shows the bottom tab bar. */
    tab?: boolean
  }
}

const ComingSoonView = () => import('./common/ComingSoonView.vue')

export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: '/login', name: 'login', component: () => import('./auth/SignInView.vue'), meta: { title: '登录', public: true } },
    { path: '/', name: 'home', component: () => import('./home/HomeView.vue'), meta: { title: '首页', tab: true } },
    { path: '/outbox', name: 'outbox', component: () => import('./outbox/OutboxView.vue'), meta: { title: '待同步', tab: true } },
    { path: '/account', name: 'account', component: () => import('./account/AccountView.vue'), meta: { title: '我的', tab: true } },
    // The field screens arrive in a later release.
    { path: '/visits', name: 'visits', component: ComingSoonView, meta: { title: '人才走访' } },
    { path: '/inspections', name: 'inspections', component: ComingSoonView, meta: { title: '阵地检查' } },
    { path: '/rosters', name: 'rosters', component: ComingSoonView, meta: { title: '人才名单' } },
    { path: '/:pathMatch(.*)*', redirect: '/' },
  ],
})

router.beforeEach((to) => {
  if (!to.meta.public && !isSignedIn()) {
    return { name: 'login', query: to.fullPath === '/' ? {} : { redirect: to.fullPath } }
  }
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
