import { afterEach, describe, expect, it, vi } from 'vitest'

import { fetchMe, login, logout } from './api'
import { ApiError, download, requestJson } from './http'
import { online } from './common/online'

const user = {
  id: '0b7d4c3e-9a51-4d7e-8f40-2f1c5b6a7e01',
  username: 'zhangsan',
  display_name: '张三',
  role: 'field_staff',
  org_unit_id: '5f0e2a9c-3b1d-4c8e-9a7f-6d2b1c0e4f11',
  org_unit_name: '城关镇',
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })
}

function stubFetch(impl: (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>) {
  const fetchMock = vi.fn(impl)
  vi.stubGlobal('fetch', fetchMock)
  return fetchMock
}

async function caught(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError)
    return error as ApiError
  }
  throw new Error('expected a rejection')
}

const credentials = { username: 'zhangsan', password: 'demo1234', device_id: 'd-1', device_name: 'iPhone · Safari' }

afterEach(() => {
  vi.unstubAllGlobals()
})

describe('requestJson', () => {
  it('signs in with a JSON body and returns token and user', async () => {
    const fetchMock = stubFetch(async () => json(200, { token: 'tok', user }))
    expect(await login(credentials)).toEqual({ token: 'tok', user })

    const [url, init] = fetchMock.mock.calls[0]!
    expect(url).toBe('/api/auth/login')
    expect(init?.method).toBe('POST')
    expect(JSON.parse(String(init?.body))).toEqual(credentials)
    expect(new Headers(init?.headers).get('Content-Type')).toBe('application/json')
    expect(new Headers(init?.headers).get('Authorization')).toBeNull()
  })

  it('sends the Bearer token and accepts 204', async () => {
    const fetchMock = stubFetch(async () => new Response(null, { status: 204 }))
    await expect(logout('tok')).resolves.toBeUndefined()
    expect(new Headers(fetchMock.mock.calls[0]![1]?.headers).get('Authorization')).toBe('Bearer tok')
  })

  it('turns the server error body into an ApiError with a Chinese message', async () => {
    stubFetch(async () => json(401, { code: 'auth.invalid_credentials', message: 'Invalid username or password' }))
    const error = await caught(login(credentials))
    expect(error).toMatchObject({ status: 401, code: 'auth.invalid_credentials' })
    expect(error.userMessage).toBe('用户名或密码错误')
  })

  it('keeps details such as retry_after', async () => {
    stubFetch(async () => json(429, { code: 'auth.throttled', message: 'Too many attempts', details: { retry_after: 42 } }))
    const error = await caught(login(credentials))
    expect(error.details).toEqual({ retry_after: 42 })
    expect(error.userMessage).toBe('登录尝试过多，请 42 秒后再试')
  })

  it('reports no network as network.offline', async () => {
    stubFetch(async () => {
      throw new TypeError('Failed to fetch')
    })
    const error = await caught(fetchMe('tok'))
    expect(error).toMatchObject({ status: 0, code: 'network.offline' })
    expect(error.userMessage).toBe('网络不可用')
  })

  it('shows the app offline from a failed request until an answer arrives', async () => {
    stubFetch(async () => {
      throw new TypeError('Failed to fetch')
    })
    await caught(fetchMe('tok'))
    expect(online.value).toBe(false)

    stubFetch(async () => json(401, { code: 'auth.required', message: 'expired' }))
    await caught(fetchMe('tok'))
    expect(online.value).toBe(true)
  })

  it('gives up after the time-out', async () => {
    stubFetch(
      (_input, init) =>
        new Promise((_resolve, reject) => {
          init?.signal?.addEventListener('abort', () => reject(new DOMException('Aborted', 'AbortError')))
        }),
    )
    const error = await caught(requestJson('GET', '/api/me', { timeoutMs: 10 }))
    expect(error.code).toBe('network.timeout')
  })

  it('never takes a 200 that is not JSON (a Wi-Fi sign-in page) for success', async () => {
    stubFetch(async () => new Response('<html>请登录 Wi-Fi</html>', { status: 200, headers: { 'Content-Type': 'text/html' } }))
    const error = await caught(login(credentials))
    expect(error.code).toBe('response.invalid')
  })

  it('rejects a JSON reply of the wrong shape', async () => {
    stubFetch(async () => json(200, { token: 'tok', user: { ...user, role: 'boss' } }))
    expect((await caught(login(credentials))).code).toBe('response.invalid')
  })

  it('maps an error page without our body by status', async () => {
    stubFetch(async () => new Response('<h1>Bad Gateway</h1>', { status: 502, headers: { 'Content-Type': 'text/html' } }))
    expect((await caught(fetchMe('tok'))).code).toBe('server.error')

    stubFetch(async () => new Response('', { status: 401 }))
    expect((await caught(fetchMe('tok'))).code).toBe('auth.required')
  })
})

describe('download', () => {
  it('never takes a Wi-Fi sign-in page for the file', async () => {
    stubFetch(async () => new Response('<html>请登录 Wi-Fi</html>', { status: 200, headers: { 'Content-Type': 'text/html' } }))
    expect((await caught(download('/api/reports/weekly/export', { token: 'tok' }))).code).toBe('response.invalid')
  })

  it('maps no answer and error answers like every other request', async () => {
    stubFetch(async () => {
      throw new TypeError('Failed to fetch')
    })
    expect((await caught(download('/x'))).code).toBe('network.offline')
    stubFetch(async () => json(403, { code: 'auth.forbidden', message: 'no' }))
    expect(await caught(download('/x'))).toMatchObject({ status: 403, code: 'auth.forbidden' })
  })
})
