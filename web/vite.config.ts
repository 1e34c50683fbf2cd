import { VantResolver } from '@vant/auto-import-resolver'
import vue from '@vitejs/plugin-vue'
import Components from 'unplugin-vue-components/vite'
import { defineConfig, type Plugin } from 'vite'
import { VitePWA } from 'vite-plugin-pwa'

import pkg from './package.json' with { type: 'json' }

/** Government red: the manifest, <meta name="theme-color"> and the icons use it. */
const THEME_COLOR = '#c8161d'
const BACKGROUND_COLOR = '#f7f8fa'

/**
 * Vant's icon CSS lists a public CDN copy of its font after the inlined woff2.
 * Every browser we serve uses the inlined one; drop the fallback so the app never
 * names a host outside its own origin (a strict CSP would report it).
 */
function dropVantIconFontFallback(): Plugin {
  return {
    name: 'zoufang:drop-vant-icon-font-fallback',
    enforce: 'pre',
    transform(code, id) {
      if (!/vant\/es\/icon\/index\.css(\?|$)/.test(id)) return null
      const stripped = code.replace(/,\s*url\(\/\/[^)]*\)\s*format\("woff"\)/, '')
      if (stripped === code) this.warn('Vant icon font fallback not found: has Vant changed its CSS?')
      return stripped
    },
  }
}

export default defineConfig({
  define: {
    __APP_VERSION__: JSON.stringify(pkg.version),
  },
  build: {
    // Field phones often run an older system WebView or a domestic browser
    // built on an old Chromium: lower the syntax target below Vite's default.
    target: ['es2020', 'chrome87', 'safari14', 'firefox78'],
    rolldownOptions: {
      output: {
        // Every screen needs the framework: one chunk for it, not pieces that move
        // with each new dynamic import (each file gzips on its own, so splits cost bytes).
        codeSplitting: {
          groups: [{ name: 'framework', test: /node_modules[\\/](@vue|vue-router)[\\/]/ }],
        },
      },
    },
  },
  plugins: [
    dropVantIconFontFallback(),
    vue(),
    // Vant per component (script and CSS), never the whole library.
    Components({
      dirs: [],
      resolvers: [VantResolver()],
      dts: 'src/client/components.d.ts',
    }),
    VitePWA({
      strategies: 'injectManifest',
      srcDir: 'src',
      filename: 'sw.ts',
      registerType: 'prompt',
      // Registration lives in src/client/sw/bridge.ts (virtual:pwa-register).
      injectRegister: false,
      // The plugin adds manifest.webmanifest itself; the glob already covers the icons.
      includeManifestIcons: false,
      injectManifest: {
        globPatterns: ['**/*.{js,css,html,png}'],
      },
      manifest: {
        id: '/',
        name: '走访',
        short_name: '走访',
        description: '人才走访与阵地检查记录，离线可用',
        lang: 'zh-CN',
        dir: 'ltr',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        orientation: 'portrait',
        theme_color: THEME_COLOR,
        background_color: BACKGROUND_COLOR,
        icons: [
          { src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
          { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
          { src: '/icons/icon-maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
      },
      devOptions: {
        enabled: false,
      },
    }),
  ],
  server: {
    proxy: {
      '/api': { target: 'http://127.0.0.1:8000' },
    },
  },
  preview: {
    proxy: {
      '/api': { target: 'http://127.0.0.1:8000' },
    },
  },
})
