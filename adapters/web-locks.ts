import { ConfigurationError, LockTimeoutError } from '../machines/errors.js'
import type { Lock } from '../machines/ports.js'
import { indexedDbStorage } from './indexed-db-storage.js'

export interface WebLocksOptions {
  /**
   * The Web Locks API to use.
   * @default globalThis.navigator.locks
   */
  locks?: LockManager
  /**
   * Prepended to every lock name, so this library's locks cannot collide with
   * the app's own on the same origin.
   * @default 'token-refresh-machine:'
   */
  prefix?: string
  /**
   * Whether the lock brings an IndexedDB ledger for sessions whose token
   * storage is shared (`localStorage`, IndexedDB): the coherent record of the
   * latest generation that the next holder reads, because Chromium's
   * `localStorage` can lag behind at the instant a lock changes hands.
   * @default true where IndexedDB exists
   */
  ledger?: boolean
}

/**
 * Mutual exclusion across every tab, window and worker of an origin, with the
 * Web Locks API (https://w3c.github.io/web-locks/). The browser releases a
 * lock when its holder's tab closes or crashes, so a closed tab never wedges
 * the others.
 *
 * Throws a `ConfigurationError` at creation when there is no `LockManager`
 * (an insecure context, an old browser, Node before 24): refreshing without
 * the lock would let two tabs present the same rotating refresh token.
 *
 * @example
 * createTokenSession({ ...options, coordination: { lock: webLocks() } })
 */
export function webLocks(options: WebLocksOptions = {}): Lock {
  const locks = options.locks ?? (globalThis.navigator as Navigator | undefined)?.locks
  if (!locks) {
    throw new ConfigurationError(
      'webLocks() needs the Web Locks API (navigator.locks), which this environment lacks; serve the page over https or pass `locks`.',
    )
  }
  const prefix = options.prefix ?? 'token-refresh-machine:'
  const ledger = options.ledger ?? typeof (globalThis as { indexedDB?: unknown }).indexedDB === 'object'

  return {
    ledgerFor: (scope) => (ledger ? indexedDbStorage({ name: `token-refresh-machine:ledger:${scope}` }) : null),
    async withLock(name, task, { timeout }) {
      let granted = false
      let running = false
      const held = new AbortController()
      const timedOut = () => new LockTimeoutError(`The lock "${name}" was not free within ${timeout} ms; nothing ran under it.`)
      // A zero timeout means "only if free now": AbortSignal.timeout(0) would race the grant.
      const request: LockOptions =
        timeout <= 0 ? { ifAvailable: true } : Number.isFinite(timeout) ? { signal: AbortSignal.timeout(timeout) } : {}
      const result = locks.request(prefix + name, request, async (lock) => {
        if (!lock) throw timedOut()
        granted = running = true
        try {
          return await task(held.signal)
        } finally {
          running = false
        }
      })
      try {
        return await result
      } catch (error) {
        // Aborted while waiting: the timeout. (Once granted, the signal no longer applies.)
        if (!granted && request.signal?.aborted === true) throw timedOut()
        // The request failed under a running task: another context took the lock with `steal: true`.
        if (running) held.abort(error)
        throw error
      }
    },
  }
}
