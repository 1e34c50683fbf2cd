import vue from '@vitejs/plugin-vue'
import type { ComponentResolver } from 'unplugin-vue-components'
import Components from 'unplugin-vue-components/vite'
import { defineConfig, type Plugin, type Rolldown } from 'vite'
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

/**
 * `<van-button>` → `import { Button } from 'vant/es/button'` and its style. Vant's own resolver
 * imports from the `vant/es` barrel: the unused components are dropped in the end, but every
 * screen then depends on every Vant module while chunks are formed.
 */
function vantPerComponent(): ComponentResolver {
  return {
    type: 'component',
    resolve(name) {
      if (!name.startsWith('Van')) return undefined
      const dir = name.slice(3).replace(/\B([A-Z])/g, '-$1').toLowerCase()
      return { name: name.slice(3), from: `vant/es/${dir}`, sideEffects: `vant/es/${dir}/style/index` }
    },
  }
}

/**
 * The screens a visitor works in all day, offline (the "field screens" of the bytes budget):
 * the lazily loaded views under these folders.
 */
const FIELD_SCREEN = /[\\/]src[\\/]client[\\/](visit|inspection|rosters|records|drafts)[\\/][^\\/]+\.vue$/

interface ModuleGraph {
  getModuleInfo(id: string): Rolldown.ModuleInfo | null
}

/** The entries and lazily loaded screens whose static imports reach module `id`. */
function screensUsing(id: string, graph: ModuleGraph): string[] {
  const screens: string[] = []
  const seen = new Set([id])
  const todo = [id]
  for (let m = todo.pop(); m !== undefined; m = todo.pop()) {
    const info = graph.getModuleInfo(m)
    if (!info) continue
    if (info.isEntry || info.dynamicImporters.length > 0) screens.push(m)
    for (const importer of info.importers) {
      if (!seen.has(importer)) {
        seen.add(importer)
        todo.push(importer)
      }
    }
  }
  return screens
}

/**
 * Code only field screens use goes in one chunk, `field`: a visitor opens most of them every day
 * and the service worker caches them all, while six small files gzip worse than one. Code they
 * share with other screens (sign-in, outbox, account) goes in `common`, so those screens do not
 * load the forms.
 */
function fieldChunk(id: string, graph: ModuleGraph): 'field' | 'common' | null {
  const screens = screensUsing(id, graph)
  const field = screens.filter((s) => FIELD_SCREEN.test(s)).length
  if (field === 0) return null
  return field === screens.length ? 'field' : 'common'
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
          groups: [
            { name: 'framework', test: /node_modules[\\/](@vue|vue-router)[\\/]/, priority: 3 },
            // What the entry loads anyway stays in the entry chunk, not in chunks of its own.
            { name: 'shell', tags: ['$initial'], priority: 2 },
            { name: (id, graph) => (fieldChunk(id, graph) === 'common' ? 'common' : null), priority: 1 },
            { name: (id, graph) => (fieldChunk(id, graph) === 'field' ? 'field' : null) },
          ],
        },
      },
    },
  },
  plugins: [
    dropVantIconFontFallback(),
    // Every component here (ours and Vant's) uses the Composition API: drop Options API support.
    vue({ features: { optionsAPI: false } }),
    // Vant per component (script and CSS), never the whole library.
    Components({
      dirs: [],
      resolvers: [vantPerComponent()],
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
