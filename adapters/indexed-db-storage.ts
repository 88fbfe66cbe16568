import { ConfigurationError } from '../machines/errors.js'
import type { LedgerEntry, LedgerStorage, StoredTokens, TokenStorage } from '../machines/ports.js'
import { objectStoreRunner } from './indexed-db-store.js'

export interface IndexedDbStorageOptions {
  /**
   * The database name. Namespace it per app and authorization server when
   * several share one origin.
   * @default 'token-refresh-machine'
   */
  name?: string
  /**
   * The IndexedDB factory to use.
   * @default globalThis.indexedDB
   */
  indexedDB?: IDBFactory
}

const STORE = 'sessions'
const KEY = 'session'

/**
 * Keeps the session in IndexedDB, shared by the tabs of an origin. Unlike
 * `localStorage` (which Chromium mirrors per renderer and syncs late), a
 * committed IndexedDB transaction is visible to the next transaction of any
 * tab. So a tab that takes the lock right after another released it reads
 * what that one saved, and can adopt its rotated tokens instead of
 * presenting a spent refresh token. `save` resolves only once committed.
 *
 * Its scope is `indexedDB:<name>`: the tabs of an origin on one database
 * share a grant. It can also serve as a ledger (`coordination.ledger`).
 * Throws a `ConfigurationError` at creation when there is no IndexedDB.
 *
 * @example
 * createTokenSession({ ...options, storage: indexedDbStorage({ name: 'myapp:auth' }), coordination: { lock: webLocks() } })
 */
export function indexedDbStorage(options: IndexedDbStorageOptions = {}): TokenStorage & LedgerStorage {
  const factory = options.indexedDB ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB
  if (!factory) {
    throw new ConfigurationError('indexedDbStorage() needs IndexedDB, which this environment lacks; pass `indexedDB`.')
  }
  const name = options.name ?? 'token-refresh-machine'
  const run = objectStoreRunner(factory, name, STORE)

  return {
    scope: `indexedDB:${name}`,
    load: () => run('readonly', (store) => store.get(KEY) as IDBRequest<unknown>).then((value) => value ?? null),
    save: (value: StoredTokens | LedgerEntry) => run('readwrite', (store) => store.put(value, KEY)).then(() => undefined),
    clear: () => run('readwrite', (store) => store.delete(KEY)),
  }
}
