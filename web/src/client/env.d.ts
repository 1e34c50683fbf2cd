/// <reference types="vite/client" />
/// <reference types="vite-plugin-pwa/client" />

/** package.json's version, set by vite.config.ts. */
declare const __APP_VERSION__: string

interface ImportMetaEnv {
  /** "1" only in the build the browser tests use: exposes window.__zoufang (src/client/sync/testHook.ts). */
  readonly VITE_E2E_HOOK?: string
}
