import { beforeEach, describe, expect, it, vi } from 'vitest'

import type { RegisterSWOptions } from 'vite-plugin-pwa/types'

const register = vi.hoisted(() => ({
  options: undefined as RegisterSWOptions | undefined,
  updateSW: vi.fn(async () => {}),
}))

vi.mock('virtual:pwa-register', () => ({
  registerSW: (options: RegisterSWOptions) => {
    register.options = options
    return register.updateSW
  },
}))

const reload = vi.fn()
let controllerChange: (() => void) | undefined
let controller: object | null

beforeEach(() => {
  vi.resetModules()
  register.options = undefined
  register.updateSW.mockClear()
  reload.mockClear()
  controllerChange = undefined
  controller = {} // a returning visit: a worker already controls the page
  vi.stubGlobal('navigator', {
    onLine: true,
    serviceWorker: {
      get controller() {
        return controller
      },
      addEventListener: (type: string, listener: () => void) => {
        if (type === 'controllerchange') controllerChange = listener
      },
    },
  })
  vi.stubGlobal('window', { location: { reload } })
})

async function load() {
  const bridge = await import('./bridge')
  const guard = await import('./updateGuard')
  bridge.startServiceWorker()
  return { ...bridge, ...guard }
}

describe('service worker bridge', () => {
  it('has nothing to apply until a new version waits', async () => {
    const { applyUpdate } = await load()
    expect(await applyUpdate()).toBe('none')
    expect(register.updateSW).not.toHaveBeenCalled()
  })

  it('applies a waiting version on request', async () => {
    const { applyUpdate, swState } = await load()
    register.options!.onNeedRefresh!()
    expect(swState.needRefresh).toBe(true)
    expect(await applyUpdate()).toBe('applied')
    expect(register.updateSW).toHaveBeenCalledTimes(1)
  })

  it('refuses while a form has unsaved edits, and applies once it is saved', async () => {
    const { applyUpdate, setFormDirty } = await load()
    register.options!.onNeedRefresh!()
    setFormDirty('visit', true)
    expect(await applyUpdate()).toBe('blocked')
    expect(register.updateSW).not.toHaveBeenCalled()

    setFormDirty('visit', false)
    expect(await applyUpdate()).toBe('applied')
    expect(register.updateSW).toHaveBeenCalledTimes(1)
  })

  it('does not reload a page with unsaved edits when another tab updated', async () => {
    const { applyUpdate, setFormDirty, swState } = await load()
    setFormDirty('visit', true)
    controllerChange!()
    expect(reload).not.toHaveBeenCalled()
    expect(swState.reloadPending).toBe(true)

    expect(await applyUpdate()).toBe('blocked')
    setFormDirty('visit', false)
    expect(await applyUpdate()).toBe('applied')
    expect(reload).toHaveBeenCalledTimes(1)
  })

  it('reloads a clean page once the new version controls it', async () => {
    await load()
    controllerChange!()
    expect(reload).toHaveBeenCalledTimes(1)
  })

  it('leaves reloading to itself, not to the plugin', async () => {
    await load()
    register.options!.onNeedReload!()
    expect(reload).not.toHaveBeenCalled()
  })

  it('does not reload when the first install takes control, but does for a later update', async () => {
    controller = null // first visit
    await load()
    controllerChange!() // clients.claim() of the first install
    expect(reload).not.toHaveBeenCalled()

    register.options!.onNeedRefresh!()
    controllerChange!() // an accepted update in the same session
    expect(reload).toHaveBeenCalledTimes(1)
  })
})
