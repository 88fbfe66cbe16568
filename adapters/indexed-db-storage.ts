import { ConfigurationError } from '../machines/errors.js'
import type { LedgerEntry, LedgerStorage, StoredTokens, TokenStorage } from '../machines/ports.js'

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

function settle<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result)
    request.onerror = () => reject(request.error ?? new Error('IndexedDB request failed'))
  })
}

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
  let opening: Promise<IDBDatabase> | undefined

  const open = (): Promise<IDBDatabase> => {
    const request = factory.open(name, 1)
    request.onupgradeneeded = () => request.result.createObjectStore(STORE)
    return settle(request).then((db) => {
      // Step aside when another tab deletes or upgrades the database; the next call reopens.
      db.onversionchange = () => {
        db.close()
        opening = undefined
      }
      db.onclose = () => (opening = undefined)
      return db
    })
  }

  async function run<T>(mode: IDBTransactionMode, act: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
    opening ??= open().catch((error: unknown) => {
      opening = undefined
      throw error
    })
    const transaction = (await opening).transaction(STORE, mode)
    // Resolve on commit, not on the request's success: only a committed write is visible to other tabs.
    const committed = new Promise<void>((resolve, reject) => {
      transaction.oncomplete = () => resolve()
      transaction.onabort = () => reject(transaction.error ?? new Error('IndexedDB transaction aborted'))
    })
    const [result] = await Promise.all([settle(act(transaction.objectStore(STORE))), committed])
    return result
  }

  return {
    scope: `indexedDB:${name}`,
    load: () => run('readonly', (store) => store.get(KEY) as IDBRequest<unknown>).then((value) => value ?? null),
    save: (value: StoredTokens | LedgerEntry) => run('readwrite', (store) => store.put(value, KEY)).then(() => undefined),
    clear: () => run('readwrite', (store) => store.delete(KEY)),
  }
}
