/// <reference lib="webworker" />
/**
 * The service worker: serves the precached app shell so the app starts with no
 * network. It never caches /api/: field data lives in IndexedDB, owned by the page.
 *
 * Updates wait for the user: a new worker stays "waiting" until the page sends
 * SKIP_WAITING (src/client/sw/bridge.ts), which it does only when no form has
 * unsaved edits.
 */
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching'
import { NavigationRoute, registerRoute } from 'workbox-routing'

import { isSkipWaitingMessage } from './shared/messages'

declare let self: ServiceWorkerGlobalScope

// The build injects the shell's file list with a revision per file.
precacheAndRoute(self.__WB_MANIFEST)
cleanupOutdatedCaches()

// Every in-app address (/, /outbox, /account ...) opens the cached index.html;
// the server's own paths go to the network.
registerRoute(
  new NavigationRoute(createHandlerBoundToURL('/index.html'), {
    denylist: [/^\/api(\/|$)/, /^\/schema(\/|$)/],
  }),
)

self.addEventListener('message', (event) => {
  if (isSkipWaitingMessage(event.data)) void self.skipWaiting()
})

// Take control of the page that installed us, so the first visit already works offline.
self.addEventListener('activate', (event) => {
  event.waitUntil(self.clients.claim())
})
