import { inProcessLock } from '../adapters/in-process-lock.js'
import { indexedDbStorage } from '../adapters/indexed-db-storage.js'
import type { Broadcast, BroadcastMessage, Lock, StoredTokens, TokenStorage } from '../machines/ports.js'
import { guardedStorage, type GuardedStorage } from './guarded-storage.js'

export interface CoordinationOptions {
  /**
   * Held around every refresh by everyone sharing the grant: `webLocks()`
   * for tabs, `redisLock(...)` for server instances.
   * @default a lock shared by every session in this JavaScript realm
   */
  lock?: Lock
  /** Tells the others that tokens changed or the session ended: `broadcastChannel()`, `redisBroadcast(...)`. */
  broadcast?: Broadcast
  /**
   * Names the grant: the lock, and the scope of what is shared. Give each
   * grant sharing one lock or channel its own name.
   * @default 'token-refresh-machine' with a lock of your own; with the default
   * lock, one name per storage object, so sessions sharing a storage share a
   * grant and unrelated sessions never wait for each other
   */
  name?: string
  /**
   * How long a refresh waits for the lock, in ms, before failing with
   * `LOCK_TIMEOUT` (it never refreshes without the lock).
   * @default 10_000
   */
  lockTimeout?: number
  /**
   * A store that every sibling reads coherently under the lock, written
   * before the lock is released: the truth about the latest generation when
   * the token storage may lag. In Chromium, `localStorage` is cached per
   * renderer and a broadcast may land after the next lock holder has looked,
   * so with a lock of your own in a browser this defaults to IndexedDB.
   * Pass `null` to rely on the token storage alone (Redis needs no ledger).
   * @default indexedDbStorage({ name: `token-refresh-machine:ledger:${name}` }) with a lock of your own where IndexedDB exists; none otherwise
   */
  ledger?: TokenStorage | null
}

/** One lock per realm by default, so two sessions on one shared storage never refresh at once. */
const realmLock = inProcessLock()
const storageNames = new WeakMap<object, string>()
let storagesSeen = 0

function nameOf(storage: object): string {
  let name = storageNames.get(storage)
  if (name === undefined) {
    name = `storage-${++storagesSeen}`
    storageNames.set(storage, name)
  }
  return name
}

/**
 * What a session knows of its siblings (other tabs, other processes) sharing
 * the grant: the newest record any of them left, through storage or carried
 * by a broadcast. A broadcast's record matters where storage can lag: in
 * Chromium, `localStorage` is cached per renderer and may still show the old
 * record at the instant a lock changes hands.
 */
export function siblings(options: CoordinationOptions = {}, storage: GuardedStorage, sharedStorage: object) {
  let heard: StoredTokens | null = null
  const broadcast = options.broadcast
  const name = options.name ?? (options.lock ? 'token-refresh-machine' : nameOf(sharedStorage))
  const hasIndexedDb = typeof (globalThis as { indexedDB?: unknown }).indexedDB === 'object'
  const ledgerStore =
    options.ledger !== undefined
      ? options.ledger
      : options.lock && hasIndexedDb
        ? indexedDbStorage({ name: `token-refresh-machine:ledger:${name}` })
        : null
  // Failures of the ledger must not break refreshes: it falls back to memory like any storage.
  const ledger = ledgerStore === null ? null : guardedStorage(ledgerStore, () => undefined)

  return {
    lock: options.lock ?? realmLock,
    lockName: `refresh:${name}`,
    lockTimeout: options.lockTimeout ?? 10_000,

    /** The newest record a sibling left, if it is newer than `generation`. Read under the lock. */
    async newerThan(generation: number): Promise<StoredTokens | null> {
      const [stored, ledgered] = await Promise.all([storage.load(), ledger?.load() ?? null])
      const newest = [stored, ledgered, heard].reduce<StoredTokens | null>(
        (best, candidate) => (candidate !== null && candidate.generation > (best?.generation ?? -1) ? candidate : best),
        null,
      )
      return newest !== null && newest.generation > generation ? newest : null
    },

    /** Records the change in the ledger (before the lock is released), then tells the siblings. */
    async publish(message: BroadcastMessage): Promise<void> {
      if (ledger) await (message.type === 'tokens.changed' && message.tokens ? ledger.save(message.tokens) : ledger.clear())
      await broadcast?.publish(message)
    },

    /** Listens to the siblings; remembers the records they carry. Returns the unsubscribe function. */
    listen(listener: (message: BroadcastMessage) => void): () => void {
      if (broadcast === undefined) return () => undefined
      return broadcast.subscribe((message) => {
        if (message.type === 'tokens.changed' && message.tokens && message.tokens.generation > (heard?.generation ?? -1)) {
          heard = message.tokens
        }
        if (message.type === 'session.ended') heard = null
        listener(message)
      })
    },
  }
}
