/**
 * The sync endpoints, over the app's one HTTP client (../http.ts). Every answer is decoded and checked (a captive
 * portal's 200 HTML page is an error, never a success); every failure is an
 * ApiError with a stable code (status 0: no answer arrived).
 */
import type { MediaStatus, PullRequest, PullResponse, PushRequest, PushResponse } from '../../shared/protocol'
import { CLIENT_ERROR_CODES } from '../../shared/errors'
import { ApiError, errorFrom, readJson, requestJson, send } from '../http'

export const PUSH_PATH = '/api/sync/push'
export const PULL_PATH = '/api/sync/pull'
export const MEDIA_PATH = '/api/media'

/** Generous: a batch or a photo chunk on a 400 Kbps / 400 ms link. */
const PUSH_TIMEOUT_MS = 60_000
const PULL_TIMEOUT_MS = 60_000
const MEDIA_TIMEOUT_MS = 90_000

type Protocol = typeof import('./decoders')

/**
 * The decoders (most of shared/protocol.ts, via ./decoders) load with the first answer to check,
 * not with the start-up chunk: the app starts, and counts its outbox, without them.
 */
let protocolModule: Promise<Protocol> | undefined
function protocol(): Promise<Protocol> {
  protocolModule ??= import('./decoders')
  return protocolModule
}

async function decoded<T>(pick: (p: Protocol) => (value: unknown) => T, body: unknown, status = 200): Promise<T> {
  const p = await protocol()
  try {
    return pick(p)(body)
  } catch (error) {
    if (error instanceof p.ProtocolDecodeError) throw new ApiError(status, error.code, error.message)
    throw error
  }
}

export async function push(token: string, request: PushRequest): Promise<PushResponse> {
  const body = await requestJson('POST', PUSH_PATH, { token, json: request, timeoutMs: PUSH_TIMEOUT_MS })
  return decoded((p) => p.decodePushResponse, body)
}

export async function pull(token: string, request: PullRequest): Promise<PullResponse> {
  const body = await requestJson('POST', PULL_PATH, { token, json: request, timeoutMs: PULL_TIMEOUT_MS })
  return decoded((p) => p.decodePullResponse, body)
}

function headerInt(response: Response, name: string): number | null {
  const value = response.headers.get(name)
  return value !== null && /^\d+$/.test(value) ? Number(value) : null
}

/**
 * What the server holds of a photo (HEAD): null when it has no byte of it.
 * A 200 without our Upload-* headers is not our server.
 */
export async function probeMedia(token: string, sha256: string): Promise<MediaStatus | null> {
  const response = await send('HEAD', `${MEDIA_PATH}/${sha256}`, { token, timeoutMs: MEDIA_TIMEOUT_MS })
  const type = response.headers.get('Content-Type') ?? ''
  if (response.status === 404 && !type.includes('html')) return null
  if (!response.ok) throw await errorFrom(response)
  const received = headerInt(response, 'Upload-Offset')
  const size = headerInt(response, 'Upload-Length')
  const complete = response.headers.get('Upload-Complete')
  if (received === null || size === null || (complete !== '0' && complete !== '1')) {
    throw new ApiError(response.status, CLIENT_ERROR_CODES.invalidResponse, 'HEAD answer lacks Upload-* headers')
  }
  return { sha256, size, received, complete: complete === '1' }
}

/**
 * Send bytes [offset, offset + chunk.byteLength) of a photo of `total` bytes.
 * Resolves with what the server holds afterwards.
 */
export async function uploadChunk(
  token: string,
  sha256: string,
  mime: string,
  chunk: ArrayBuffer,
  offset: number,
  total: number,
): Promise<MediaStatus> {
  const headers = {
    Accept: 'application/json',
    'Content-Type': mime,
    'Content-Range': `bytes ${offset}-${offset + chunk.byteLength - 1}/${total}`,
  }
  const response = await send('PUT', `${MEDIA_PATH}/${sha256}`, { token, headers, body: chunk, timeoutMs: MEDIA_TIMEOUT_MS })
  if (!response.ok) throw await errorFrom(response)
  const status = await decoded((p) => p.decodeMediaStatus, await readJson(response), response.status)
  if (status.sha256 !== sha256) throw new ApiError(response.status, CLIENT_ERROR_CODES.invalidResponse, 'answer names another photo')
  return status
}

/** A complete photo from the server (for records pulled from it); undefined when it has none. */
export async function downloadMedia(token: string, sha256: string): Promise<{ bytes: ArrayBuffer; mime: string } | undefined> {
  const response = await send('GET', `${MEDIA_PATH}/${sha256}`, { token, timeoutMs: MEDIA_TIMEOUT_MS })
  if (response.status === 404) return undefined
  if (!response.ok) throw await errorFrom(response)
  const mime = (response.headers.get('Content-Type') ?? '').split(';')[0]!.trim()
  if (!mime.startsWith('image/')) throw new ApiError(response.status, CLIENT_ERROR_CODES.invalidResponse, 'not an image')
  return { bytes: await response.arrayBuffer(), mime }
}
