/** The signed-in session and the device's own facts (key-value stores `session` and `meta`). */
import { newId } from '../../shared/ids'
import type { User } from '../api'
import { getDb } from './schema'
import type { MetaKey, MetaValues, Session } from './types'

/** The stored token, user and persistence answer (nulls when signed out). */
export async function getSession(): Promise<Session> {
  const tx = (await getDb()).transaction('session')
  const [token, user, persisted] = await Promise.all([
    tx.store.get('token'),
    tx.store.get('user'),
    tx.store.get('persisted'),
    tx.done,
  ])
  return {
    token: typeof token === 'string' ? token : null,
    user: (user as User | undefined) ?? null,
    persisted: typeof persisted === 'boolean' ? persisted : null,
  }
}

/** Store a signed-in session (token and user together). */
export async function setSession(token: string, user: User): Promise<void> {
  const tx = (await getDb()).transaction('session', 'readwrite')
  await Promise.all([tx.store.put(token, 'token'), tx.store.put(user, 'user'), tx.done])
}

/** Replace the stored user (after a background /api/me refresh). */
export async function setSessionUser(user: User): Promise<void> {
  await (await getDb()).put('session', user, 'user')
}

/** Remember the answer of navigator.storage.persist(). */
export async function setPersisted(persisted: boolean | null): Promise<void> {
  await (await getDb()).put('session', persisted, 'persisted')
}

/** Forget the token and user. The outbox, photos and drafts stay: they are unsent work. */
export async function clearSession(): Promise<void> {
  const tx = (await getDb()).transaction('session', 'readwrite')
  await Promise.all([tx.store.delete('token'), tx.store.delete('user'), tx.done])
}

// ---------------------------------------------------------------------------
// Meta
// ---------------------------------------------------------------------------

/** One value of the `meta` store. */
export async function getMeta<K extends MetaKey>(key: K): Promise<MetaValues[K] | undefined> {
  return (await (await getDb()).get('meta', key)) as MetaValues[K] | undefined
}

/** Set one value of the `meta` store. */
export async function setMeta<K extends MetaKey>(key: K, value: MetaValues[K]): Promise<void> {
  await (await getDb()).put('meta', value, key)
}

/** This installation's id, made once and kept for good (sent at sign-in and with every mutation). */
export async function getDeviceId(): Promise<string> {
  // Read and write in one transaction, so two tabs starting together agree on one id.
  const tx = (await getDb()).transaction('meta', 'readwrite')
  let id = (await tx.store.get('device_id')) as string | undefined
  if (id === undefined) {
    id = newId()
    await tx.store.put(id, 'device_id')
  }
  await tx.done
  return id
}

/** Remove one value of the `meta` store. */
export async function deleteMeta(key: MetaKey): Promise<void> {
  await (await getDb()).delete('meta', key)
}
