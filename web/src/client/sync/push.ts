/**
 * Push: send the signed-in user's queued mutations in sequence order and apply
 * each result. Nothing leaves the outbox until a result names it:
 * applied / duplicate / conflict remove it (and store the record's new version);
 * rejected keeps it, marked with a message, and the queue moves on.
 */
import { newId } from '../../shared/ids'
import type { Applied, Conflicted, Mutation, PushResponse, Rejected } from '../../shared/protocol'
import { MAX_BATCH, PROTOCOL_VERSION } from '../../shared/protocolVersion'
import { ApiError } from '../http'
import * as db from '../storage'
import { recordsForAck } from './acks'
import type { SyncContext } from './context'
import { stopFor, SyncStop } from './errors'
import { syncErrorMessage } from './messages'
import * as transport from './transport'

/** Mutations per request: small enough for a slow link, large enough to be quick. */
export const PUSH_BATCH = Math.min(100, MAX_BATCH)
/** Rounds without progress before giving up for this run (a server that keeps answering gaps, say). */
const MAX_IDLE_ROUNDS = 3

/** The protocol mutation an outbox item stands for. */
export function toMutation(item: db.OutboxItem): Mutation {
  return { ...(item.payload as object), mutation_id: item.id, seq: item.seq } as Mutation
}

function skip(seq: number, reason: string): Mutation {
  return { op: 'skip', mutation_id: newId(), seq, reason }
}

/** A 4xx for the whole request that no retry can fix (a mutation the server cannot even parse). */
function isPoison(error: unknown): error is ApiError {
  return (
    error instanceof ApiError &&
    (error.status === 400 || error.status === 413 || error.status === 422) &&
    error.code !== 'sync.unsupported_version' &&
    error.code !== 'sync.device_mismatch'
  )
}

function rejectionMessage(result: Rejected): string {
  return syncErrorMessage(result.code, result.details)
}

async function send(ctx: SyncContext, mutations: Mutation[]): Promise<PushResponse> {
  const response = await transport.push(ctx.token, {
    protocol_version: PROTOCOL_VERSION,
    device_id: ctx.deviceId,
    device_time: new Date().toISOString(),
    mutations,
  })
  ctx.clockSkew(response.clock_skew_warning)
  return response
}

/** Apply one push answer to the outbox and the record copies, in one transaction. */
async function applyResults(ctx: SyncContext, batch: readonly db.OutboxItem[], response: PushResponse): Promise<number> {
  const byId = new Map(batch.map((item) => [item.id, item]))
  const stored = new Map<string, db.ServerRecord>()
  for (const item of batch) {
    const record = await db.getRecord(item.entity_id)
    if (record) stored.set(record.id, record)
  }
  const gen = (await db.getMeta('pull_gen')) ?? 0
  const outcome: db.PushOutcome = { remove: [], reject: [], records: [], deleteRecords: [], photosToUpload: [] }
  const rejectedPuts = (await db.listOutbox(ctx.userId)).filter((i) => i.status === 'rejected' && !byId.has(i.id))
  let named = 0
  for (const result of response.results) {
    const item = byId.get(result.mutation_id)
    if (!item) continue // a skip we made up, or an answer for another request
    named++
    const final: Applied | Conflicted | Rejected = result.status === 'duplicate' ? result.original : result
    if (final.status === 'rejected') {
      outcome.reject.push({ id: item.id, code: final.code, message: rejectionMessage(final) })
      continue
    }
    outcome.remove.push(item.id)
    const { records, deleteRecords } = recordsForAck(item, final, { userId: ctx.userId, orgUnitId: ctx.orgUnitId, gen, stored })
    for (const record of records) stored.set(record.id, record)
    outcome.records.push(...records)
    outcome.deleteRecords.push(...deleteRecords)
    outcome.photosToUpload.push(...final.missing_photos)
    // A later change of the same kind that went through supersedes an earlier rejected one.
    for (const old of rejectedPuts) {
      if (old.entity_id === item.entity_id && old.kind === item.kind && old.seq < item.seq) outcome.remove.push(old.id)
    }
  }
  await db.commitPushOutcome(outcome)
  return named
}

/**
 * Give up a sequence number whose mutation the server can never parse: send a
 * skip in its place, then mark the item rejected with the original error.
 */
async function poison(ctx: SyncContext, item: db.OutboxItem, error: ApiError): Promise<void> {
  const response = await send(ctx, [skip(item.seq, `${error.code}: ${error.message}`.slice(0, 500))])
  const answered = response.results.some((r) => r.seq === item.seq) || response.last_seq >= item.seq
  if (!answered) throw new SyncStop('retry', 'sync.stuck')
  await db.commitPushOutcome({
    remove: [],
    reject: [{ id: item.id, code: error.code, message: syncErrorMessage(error.code, error.details) }],
    records: [],
    deleteRecords: [],
    photosToUpload: [],
  })
}

/** Push until the signed-in user's outbox has nothing left to send. */
export async function pushAll(ctx: SyncContext): Promise<void> {
  let batchSize = PUSH_BATCH
  /** After a gap: the sequence number the server expects next. */
  let expected: number | null = null
  let idle = 0
  let done = 0
  for (;;) {
    const queue = await db.listOutbox(ctx.userId)
    const sendable = queue.filter((i) => i.status === 'pending' || i.status === 'sending')
    if (sendable.length === 0) return
    ctx.progress(done, done + sendable.length)

    let batch = sendable.slice(0, batchSize)
    const mutations: Mutation[] = []
    if (expected !== null && expected < batch[0]!.seq) {
      // The server lacks numbers below our first: resend what this phone still has of them
      // (a rejected item the server somehow lost) and give up the rest with skips.
      const bySeq = new Map(queue.map((i) => [i.seq, i]))
      const prefix: db.OutboxItem[] = []
      for (let seq = expected; seq < batch[0]!.seq; seq++) {
        const local = bySeq.get(seq)
        if (local) prefix.push(local)
        mutations.push(local ? toMutation(local) : skip(seq, 'not on the device any more'))
      }
      mutations.push(...batch.map(toMutation))
      batch = [...prefix, ...batch]
    } else {
      mutations.push(...batch.map(toMutation))
    }
    const ids = batch.map((i) => i.id)
    await db.markSending(ids)

    let response: PushResponse
    try {
      response = await send(ctx, mutations)
    } catch (error) {
      if (isPoison(error)) {
        await db.markPending(ids, error.code, syncErrorMessage(error.code, error.details))
        if (batch.length > 1) {
          batchSize = Math.max(1, Math.floor(batch.length / 2)) // find the one the server cannot take
          continue
        }
        await poison(ctx, batch[0]!, error)
        batchSize = PUSH_BATCH
        continue
      }
      const stop = stopFor(error)
      await db.markPending(ids, stop.code, stop.message)
      throw stop
    }

    const named = await applyResults(ctx, batch, response)
    // Items the answer did not name (after a gap) go back to pending, untouched.
    await db.markPending(ids, null, null)
    done += named
    if (response.gap) {
      expected = response.gap.expected_seq
    } else {
      expected = null
    }
    idle = named > 0 ? 0 : idle + 1
    if (idle >= MAX_IDLE_ROUNDS) throw new SyncStop('retry', 'sync.stuck')
  }
}
