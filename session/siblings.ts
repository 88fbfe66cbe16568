import { inProcessLock } from '../adapters/in-process-lock.js'
import type { Broadcast, BroadcastMessage, Lock, StoredTokens } from '../machines/ports.js'
import type { GuardedStorage } from './guarded-storage.js'

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

  return {
    lock: options.lock ?? realmLock,
    lockName: `refresh:${options.name ?? (options.lock ? 'token-refresh-machine' : nameOf(sharedStorage))}`,
    lockTimeout: options.lockTimeout ?? 10_000,

    /** The newest record a sibling left, if it is newer than `generation`. Read under the lock. */
    async newerThan(generation: number): Promise<StoredTokens | null> {
      const stored = await storage.load()
      const newest = [stored, heard].reduce<StoredTokens | null>(
        (best, candidate) => (candidate !== null && candidate.generation > (best?.generation ?? -1) ? candidate : best),
        null,
      )
      return newest !== null && newest.generation > generation ? newest : null
    },

    async publish(message: BroadcastMessage): Promise<void> {
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
