/**
 * The app's local storage (IndexedDB), the only code that touches it: what the
 * rest of the app may call. Each store's helpers live in their own module;
 * the connection and upgrade ladder in ./schema.ts.
 */
export { onDataChange, onOutboxChange } from './changes'
export * from './drafts'
export * from './outbox'
export * from './photos'
export * from './records'
export { closeDb, DB_NAME, DB_VERSION, MIGRATIONS, openZoufangDb, type Migration } from './schema'
export * from './session'
export type * from './types'
