/**
 * An in-memory server speaking the sync protocol, for the engine's unit tests:
 * exactly-once push bookkeeping per (user, device) stream, pull with a cursor,
 * and resumable photo upload that records every byte range it stores. Faults
 * are injected per request (no answer, an answer lost after the commit, a cut
 * upload, a captive portal's HTML page, a 5xx, a 401).
 *
 * Test support only: nothing in the app imports it.
 */
import type { Mutation, Result } from '../../../shared/protocol'
import { sha256Fallback } from '../sha256'

export interface FakeRequest {
  method: string
  path: string
  headers: Headers
  body: unknown
  bytes: Uint8Array | null
}

/** What a fault does to one request. */
export type Fault =
  | { kind: 'network' } // no answer; nothing processed
  | { kind: 'lost' } // processed and committed, then the answer is lost
  | { kind: 'cut'; keep: number } // upload: store the first `keep` bytes of the body, then the connection breaks
  | { kind: 'respond'; response: () => Response } // answer this instead (HTML portal, 500, ...)

interface Row {
  entity: string
  id: string
  record: Record<string, unknown>
  version: number
  change_seq: number
  deleted: boolean
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } })

const error = (status: number, code: string, message = code, details: Record<string, unknown> = {}): Response =>
  json(status, { code, message, details })

export class FakeServer {
  tokens = new Map<string, { userId: string; deviceId: string }>()
  lastSeq = new Map<string, number>()
  applied = new Map<string, { stream: string; result: Result }>()
  /** Every mutation the server processed, in order (duplicates included). */
  log: { stream: string; mutation: Mutation; status: string }[] = []
  rows = new Map<string, Row>()
  changeSeq = 0
  media = new Map<string, { size: number; mime: string; bytes: number[]; complete: boolean }>()
  /** Byte ranges that arrived over the wire, per photo: [first, lastExclusive). */
  received: { sha256: string; from: number; to: number }[] = []
  requests: FakeRequest[] = []
  faults: { match: (r: FakeRequest) => boolean; fault: Fault }[] = []
  /** A validation rule: a mutation it names is rejected. */
  rejectIf: (m: Mutation) => { code: string; message: string; details?: Record<string, unknown> } | null = () => null
  /** Fields of a put that someone else changed meanwhile: kept as conflicts with this server value. */
  conflictIf: (m: Mutation) => Record<string, unknown> | null = () => null
  maxPhotoBytes = 10 * 1024 * 1024
  resetCursors = new Set<string>()

  /** Add a fault for the next request that matches. */
  failNext(match: (r: FakeRequest) => boolean, fault: Fault): void {
    this.faults.push({ match, fault })
  }

  seed(entity: string, record: Record<string, unknown>): void {
    const id = String(record['id'])
    this.changeSeq++
    this.rows.set(id, { entity, id, record: { entity, ...record }, version: 1, change_seq: this.changeSeq, deleted: false })
  }

  rowsOf(entity: string): Row[] {
    return [...this.rows.values()].filter((r) => r.entity === entity && !r.deleted)
  }

  fetch = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(String(input), 'http://phone.test')
    const headers = new Headers(init.headers)
    const raw = init.body
    let body: unknown = undefined
    let bytes: Uint8Array | null = null
    if (typeof raw === 'string') body = JSON.parse(raw)
    else if (raw instanceof ArrayBuffer) bytes = new Uint8Array(raw)
    else if (ArrayBuffer.isView(raw)) bytes = new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength)
    const request: FakeRequest = { method: init.method ?? 'GET', path: url.pathname, headers, body, bytes }
    this.requests.push(request)

    const index = this.faults.findIndex((f) => f.match(request))
    const fault = index >= 0 ? this.faults.splice(index, 1)[0]!.fault : null
    if (fault?.kind === 'network') throw new TypeError('Failed to fetch')
    if (fault?.kind === 'respond') return fault.response()
    const response = this.handle(request, fault?.kind === 'cut' ? fault.keep : null)
    if (fault?.kind === 'lost' || fault?.kind === 'cut') throw new TypeError('Failed to fetch')
    return response
  }

  private auth(request: FakeRequest): { userId: string; deviceId: string } | null {
    const header = request.headers.get('Authorization') ?? ''
    return this.tokens.get(header.replace(/^Bearer /, '')) ?? null
  }

  users = new Map<string, { password: string; user: Record<string, unknown> }>()
  private issued = 0

  private handle(request: FakeRequest, keep: number | null): Response {
    if (request.path === '/api/auth/login') {
      const { username, password, device_id } = request.body as Record<string, string>
      const account = this.users.get(username ?? '')
      if (!account || account.password !== password) return error(401, 'auth.invalid_credentials')
      const token = `tok-${++this.issued}`
      this.tokens.set(token, { userId: String(account.user['id']), deviceId: device_id ?? '' })
      return json(200, { token, user: account.user })
    }
    const who = this.auth(request)
    if (!who) return error(401, 'auth.required')
    if (request.path === '/api/sync/push' && request.method === 'POST') return this.push(who, request.body as Record<string, unknown>)
    if (request.path === '/api/sync/pull' && request.method === 'POST') return this.pull(who, request.body as Record<string, unknown>)
    const media = /^\/api\/media\/([0-9a-f]{64})$/.exec(request.path)
    if (media) return this.mediaRequest(request, media[1]!, keep)
    return error(404, 'not_found')
  }

  private now(): string {
    return new Date().toISOString()
  }

  private bump(entity: string, id: string, record: Record<string, unknown>, deleted = false): Row {
    this.changeSeq++
    const prior = this.rows.get(id)
    const row: Row = {
      entity,
      id,
      record: { ...(prior?.record ?? {}), ...record, entity, id },
      version: (prior?.version ?? 0) + 1,
      change_seq: this.changeSeq,
      deleted,
    }
    row.record['version'] = row.version
    this.rows.set(id, row)
    return row
  }

  private missing(photos: unknown): string[] {
    return ((photos as string[] | undefined) ?? []).filter((sha) => !this.media.get(sha)?.complete)
  }

  private applyOne(userId: string, m: Mutation): Result {
    const head = { mutation_id: m.mutation_id, seq: m.seq }
    if (m.op === 'skip') return { ...head, status: 'rejected', code: 'sync.skipped', message: m.reason ?? '', details: {} }
    const refused = this.rejectIf(m)
    if (refused) return { ...head, status: 'rejected', code: refused.code, message: refused.message, details: refused.details ?? {} }
    const ok = (entity: string, row: Row, versions: Record<string, number>, missing: string[]): Result => ({
      ...head,
      status: 'applied',
      entity,
      id: row.id,
      version: row.version,
      versions,
      missing_photos: missing,
    })
    if (m.op === 'visit.put' || m.op === 'inspection.put') {
      const entity = m.op === 'visit.put' ? 'visit' : 'inspection'
      const sent = (m.op === 'visit.put' ? m.visit : m.inspection) as unknown as Record<string, unknown>
      const { demands, item_results, rectifications, ...fields } = sent
      const prior = this.rows.get(String(sent['id']))
      if (prior && prior.record['status'] !== 'draft' && prior.record['status'] !== 'returned') {
        return { ...head, status: 'rejected', code: 'sync.locked', message: 'locked', details: {} }
      }
      const owner = entity === 'visit' ? 'visitor_id' : 'inspector_id'
      const theirs = this.conflictIf(m) ?? {}
      const row = this.bump(entity, String(sent['id']), {
        status: 'draft',
        review_comment: '',
        missing_photos: [],
        ...fields,
        ...theirs,
        [owner]: userId,
        org_unit_id: 'unit-1',
      })
      const versions: Record<string, number> = {}
      const children: [unknown, string, string][] = [
        [demands, 'demand', 'visit_id'],
        [item_results, 'inspection_item_result', 'inspection_id'],
        [rectifications, 'rectification', 'inspection_id'],
      ]
      let photos = [...((fields['photos'] as string[] | undefined) ?? [])]
      for (const [list, childEntity, parent] of children) {
        for (const child of (list as Record<string, unknown>[] | undefined) ?? []) {
          const { base_version: _b, deleted, ...rest } = child
          const c = this.bump(childEntity, String(child['id']), { ...rest, [parent]: row.id, status: 'received' }, deleted === true)
          versions[c.id] = c.version
          photos = [...photos, ...((rest['photos'] as string[] | undefined) ?? [])]
        }
      }
      const missing = this.missing(photos)
      row.record['missing_photos'] = missing
      const result = ok(entity, row, versions, missing)
      const conflicts = Object.entries(theirs).map(([field, value]) => ({
        conflict_id: `c-${field}`,
        entity,
        id: row.id,
        field,
        base_value: null,
        server_value: value,
        client_value: fields[field],
      }))
      return conflicts.length ? ({ ...result, status: 'conflict', conflicts } as Result) : result
    }
    const entity = m.op.startsWith('visit') ? 'visit' : 'inspection'
    const prior = this.rows.get(m.id)
    if (!prior || prior.deleted) return { ...head, status: 'rejected', code: 'sync.not_found', message: 'not found', details: {} }
    if (m.op.endsWith('.submit')) {
      const row = prior.record['status'] === 'submitted' ? prior : this.bump(entity, m.id, { status: 'submitted' })
      return ok(entity, row, {}, this.missing(row.record['photos']))
    }
    const row = this.bump(entity, m.id, {}, true)
    return ok(entity, row, {}, [])
  }

  private push(who: { userId: string; deviceId: string }, body: Record<string, unknown>): Response {
    if (String(body['protocol_version']).split('.')[0] !== '1') return error(400, 'sync.unsupported_version')
    if (body['device_id'] !== who.deviceId) return error(400, 'sync.device_mismatch')
    const stream = `${who.userId}:${who.deviceId}`
    let last = this.lastSeq.get(stream) ?? 0
    const results: Result[] = []
    let gap = null
    const mutations = [...(body['mutations'] as Mutation[])].sort((a, b) => a.seq - b.seq)
    for (const m of mutations) {
      const known = this.applied.get(m.mutation_id)
      if (known) {
        const result: Result =
          known.stream === stream
            ? { mutation_id: m.mutation_id, seq: m.seq, status: 'duplicate', original: known.result as never }
            : { mutation_id: m.mutation_id, seq: m.seq, status: 'rejected', code: 'sync.mutation_id_reused', message: '', details: {} }
        results.push(result)
        this.log.push({ stream, mutation: m, status: result.status })
        if (m.seq === last + 1) last = m.seq
        continue
      }
      if (m.seq <= last) {
        results.push({ mutation_id: m.mutation_id, seq: m.seq, status: 'rejected', code: 'sync.sequence_reused', message: '', details: {} })
        continue
      }
      if (m.seq > last + 1) {
        gap = { expected_seq: last + 1, received_seq: m.seq }
        break
      }
      const result = this.applyOne(who.userId, m)
      this.applied.set(m.mutation_id, { stream, result })
      this.log.push({ stream, mutation: m, status: result.status })
      results.push(result)
      last = m.seq
    }
    this.lastSeq.set(stream, last)
    return json(200, {
      protocol_version: '1.0',
      server_time: this.now(),
      clock_skew_seconds: 0,
      clock_skew_warning: false,
      last_seq: last,
      results,
      gap,
    })
  }

  private pull(_who: unknown, body: Record<string, unknown>): Response {
    const cursor = body['cursor'] as string | null | undefined
    const base = { protocol_version: '1.0', server_time: this.now(), clock_skew_seconds: 0, clock_skew_warning: false }
    if (cursor && this.resetCursors.has(cursor)) return json(200, { ...base, cursor: null, has_more: false, reset_required: true, changes: [] })
    const after = cursor ? Number(cursor) : 0
    const limit = Number(body['limit'] ?? 500)
    const rows = [...this.rows.values()].filter((r) => r.change_seq > after).sort((a, b) => a.change_seq - b.change_seq)
    const page = rows.slice(0, limit)
    const hasMore = rows.length > limit
    const next = hasMore ? page[page.length - 1]!.change_seq : this.changeSeq
    return json(200, {
      ...base,
      cursor: String(next),
      has_more: hasMore,
      reset_required: false,
      changes: page.map((r) =>
        r.deleted
          ? { op: 'delete', change_seq: r.change_seq, entity: r.entity, id: r.id, version: r.version }
          : { op: 'upsert', change_seq: r.change_seq, record: r.record },
      ),
    })
  }

  private mediaRequest(request: FakeRequest, sha256: string, keep: number | null): Response {
    const held = this.media.get(sha256)
    const headersOf = (m: { size: number; bytes: number[]; complete: boolean }): Record<string, string> => ({
      'Upload-Offset': String(m.complete ? m.size : m.bytes.length),
      'Upload-Length': String(m.size),
      'Upload-Complete': m.complete ? '1' : '0',
    })
    if (request.method === 'HEAD') {
      if (!held) return new Response(null, { status: 404 })
      return new Response(null, { status: 200, headers: headersOf(held) })
    }
    if (request.method !== 'PUT') return error(405, 'method')
    const range = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(request.headers.get('Content-Range') ?? '')
    if (!range) return error(400, 'media.invalid_range')
    const [first, last, total] = [Number(range[1]), Number(range[2]), Number(range[3])]
    if (total > this.maxPhotoBytes) return error(413, 'payload.too_large')
    const media = held ?? { size: total, mime: request.headers.get('Content-Type') ?? '', bytes: [], complete: false }
    this.media.set(sha256, media)
    const status = (): Response =>
      json(200, { sha256, size: media.size, received: media.complete ? media.size : media.bytes.length, complete: media.complete }, headersOf(media))
    if (media.complete) return status()
    if (first > media.bytes.length) return error(409, 'media.offset_mismatch', 'offset', { expected_offset: media.bytes.length })
    const chunk = request.bytes ?? new Uint8Array()
    const arrived = keep === null ? chunk : chunk.subarray(0, keep)
    if (arrived.length > 0) this.received.push({ sha256, from: first, to: first + arrived.length })
    // Bytes already stored are skipped, never stored twice.
    const skipFrom = media.bytes.length - first
    const fresh = Array.from(arrived.subarray(Math.max(0, skipFrom)))
    for (const b of fresh) media.bytes.push(b)
    if (last + 1 !== first + chunk.length) return error(400, 'media.invalid_range')
    if (media.bytes.length >= media.size) {
      if (sha256Fallback(new Uint8Array(media.bytes).buffer) !== sha256) {
        this.media.delete(sha256)
        return error(422, 'media.hash_mismatch')
      }
      media.complete = true
      for (const row of this.rows.values()) {
        const missing = row.record['missing_photos']
        if (Array.isArray(missing) && missing.includes(sha256)) row.record['missing_photos'] = missing.filter((s) => s !== sha256)
      }
    }
    return status()
  }

  /** Bytes of one photo that arrived more than once (must be 0). */
  overlap(sha256: string): number {
    const ranges = this.received.filter((r) => r.sha256 === sha256).sort((a, b) => a.from - b.from)
    let overlap = 0
    for (let i = 1; i < ranges.length; i++) overlap += Math.max(0, ranges[i - 1]!.to - ranges[i]!.from)
    return overlap
  }
}
