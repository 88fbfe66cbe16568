import { inProcessLock } from '../adapters/in-process-lock.js'
import { ConfigurationError, LockTimeoutError } from '../machines/errors.js'
import type {
  Broadcast,
  BroadcastMessage,
  Clock,
  LedgerEntry,
  LedgerStorage,
  Lock,
  StoredTokens,
  TokenStorage,
} from '../machines/ports.js'
import { parseBroadcastMessage, parseLedgerEntry } from '../machines/records.js'
import type { GuardedStorage } from './guarded-storage.js'
import { withinDeadline } from './port-deadline.js'
import type { Truth } from './reconcile.js'
import type { Warn } from './warnings.js'

export interface CoordinationOptions {
  /**
   * Held around every refresh, sign-in and sign-out by every session of the
   * scope: `webLocks()` for tabs, `redisLock(...)` for server instances.
   * @default a lock shared by every session in this JavaScript realm
   */
  lock?: Lock
  /** Tells the scope that tokens changed or the session started or ended: `broadcastChannel()`, `redisBroadcast(...)`. */
  broadcast?: Broadcast
  /**
   * Names the scope: the shared slot this session belongs to. It names the
   * lock and the ledger, and every record and message carries it; sessions of
   * other scopes never interact, whatever lock, channel or ledger they share.
   * Sessions of one scope are expected to share one storage slot.
   * @default the storage's own `scope` (`redisStorage`: `redis:<key>`;
   * `webStorage(localStorage)`: `localStorage:<key>`; `indexedDbStorage`:
   * `indexedDB:<name>`). A storage private to its realm (memory,
   * `sessionStorage`, AsyncStorage) is scope `private`, with a lock per
   * storage object; with it, a `broadcast` needs a name.
   */
  name?: string
  /**
   * How long a refresh waits for the lock, in ms, before failing with
   * `LOCK_TIMEOUT` (it never refreshes without the lock).
   * @default 10_000
   */
  lockTimeout?: number
  /**
   * A store every session of the scope reads coherently under the lock,
   * written before the lock is released: which record is the latest (grant,
   * generation, fingerprint), never the tokens. In Chromium, `localStorage`
   * is cached per renderer and may lag, so `webLocks()` brings an IndexedDB
   * ledger. Pass `null` to rely on the token storage alone (Redis needs no ledger).
   * @default what the lock brings for a storage other realms share
   * (`webLocks()`: IndexedDB `token-refresh-machine:ledger:<scope>` where
   * IndexedDB exists); none otherwise
   */
  ledger?: LedgerStorage | null
}

/** One lock per realm by default, so two sessions on one shared storage never refresh at once. */
const realmLock = inProcessLock()
const privateSlots = new WeakMap<object, string>()

/** Who a session shares with: its scope, the name of its lock, and whether its storage slot is shared with other realms. */
export interface Scope {
  /** Carried by every record and message, checked by every reader. */
  scope: string
  lockName: string
  /** Whether other realms reach the storage slot (it names its `scope`); false for memory, `sessionStorage`, AsyncStorage. */
  shared: boolean
}

/**
 * The scope of a session: named, or the storage's slot. A storage private to
 * this realm keeps the scope `private` (stable across reloads, so what it
 * stored is recognised again) and a lock of its own per storage object, so
 * unrelated sessions never wait for each other. Sharing tokens over a
 * broadcast needs a scope that says with whom.
 */
export function scopeOf(options: CoordinationOptions, storage: TokenStorage): Scope {
  const slot = typeof storage.scope === 'string' && storage.scope !== '' ? storage.scope : undefined
  const named = options.name ?? slot
  if (named !== undefined) return { scope: named, lockName: `refresh:${named}`, shared: slot !== undefined }
  if (options.broadcast !== undefined) {
    throw new ConfigurationError(
      'coordination.broadcast shares tokens with every session of a scope, and this storage is private to its realm: name the scope (coordination: { name: `user:${id}` }) or use a storage that names its slot (redisStorage, indexedDbStorage, webStorage(localStorage)).',
    )
  }
  let id = privateSlots.get(storage)
  if (id === undefined) {
    id = crypto.randomUUID()
    privateSlots.set(storage, id)
  }
  return { scope: 'private', lockName: `refresh:private:${id}`, shared: false }
}

async function fingerprint(record: StoredTokens): Promise<string> {
  const subtle = (globalThis.crypto as Crypto | undefined)?.subtle
  if (subtle === undefined) return ''
  const data = new TextEncoder().encode(`${record.accessToken}\n${record.refreshToken ?? ''}`)
  const digest = new Uint8Array(await subtle.digest('SHA-256', data))
  return Array.from(digest.subarray(0, 16), (byte) => byte.toString(16).padStart(2, '0')).join('')
}

export type LockResult<T> = { ok: true; value: T } | { ok: false; error: unknown }

interface CoordinationParts {
  options: CoordinationOptions
  scope: Scope
  storage: GuardedStorage
  clock: Clock
  /** The deadline of every port call. */
  timeout: number
  warn: Warn
}

/**
 * What a session shares with the other sessions of its scope (other tabs,
 * other processes): the lock, the ledger, the broadcast. Everything it
 * writes carries the scope and grant; everything it reads is validated for
 * this scope first. Every port call is bounded and guarded.
 */
export function coordination({ options, scope: { scope, lockName, shared }, storage, clock, timeout, warn }: CoordinationParts) {
  const lock = options.lock ?? realmLock
  const lockTimeout = options.lockTimeout ?? 10_000
  const broadcast = options.broadcast
  // The lock brings the ledger its siblings read under it (webLocks: IndexedDB), for a storage other realms share.
  let ledger: LedgerStorage | null =
    options.ledger !== undefined ? options.ledger : shared ? (options.lock?.ledgerFor?.(scope) ?? null) : null
  /** The newest record a sibling's message carried: storage may lag behind it. */
  let heard: StoredTokens | null = null

  async function ledgerCall<T>(call: (target: LedgerStorage) => unknown): Promise<{ ok: boolean; value?: T }> {
    const target = ledger
    if (target === null) return { ok: false }
    const result = await withinDeadline(() => call(target), timeout, clock)
    if (result.ok) return { ok: true, value: result.value as T }
    ledger = null
    warn('LEDGER_FAILED', 'The ledger failed; coordination goes on with the token storage alone.', result.error)
    return { ok: false }
  }

  async function readLedger(): Promise<LedgerEntry | null | undefined> {
    const read = await ledgerCall<unknown>((target) => target.load())
    return read.ok ? parseLedgerEntry(read.value, scope) : undefined
  }

  async function publish(message: BroadcastMessage): Promise<void> {
    if (broadcast === undefined) return
    const result = await withinDeadline(() => broadcast.publish(message), timeout, clock)
    if (!result.ok)
      warn('BROADCAST_FAILED', 'A broadcast could not be published; siblings catch up at their next refresh.', result.error)
  }

  return {
    scope,
    lockTimeout,

    /**
     * Keeps a record heard from a sibling in a private storage, so that it
     * holds what the session holds; a shared storage has it from the sibling.
     */
    async keepHeard(record: StoredTokens): Promise<void> {
      if (!shared) await storage.save(record)
    },

    /**
     * Runs `task` holding the scope's lock. Resolves once the task is done,
     * or with the lock's failure if it was not had within `lockTimeout` (even
     * from a lock that never answers) or `signal` aborted first: a grant that
     * comes later runs nothing. A lock that hangs on release cannot hold the
     * caller either.
     */
    withLock<T>(task: (lost: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<LockResult<T>> {
      return new Promise((resolve, reject) => {
        let state: 'waiting' | 'running' | 'gaveUp' = 'waiting'
        const giveUp = (error: unknown) => {
          if (state !== 'waiting') return
          state = 'gaveUp'
          stop()
          signal?.removeEventListener('abort', onAbort)
          resolve({ ok: false, error })
        }
        const onAbort = () => giveUp(signal?.reason)
        const stop = clock.setTimer(lockTimeout, () =>
          giveUp(new LockTimeoutError(`The lock "${lockName}" was not free within ${lockTimeout} ms; nothing ran under it.`)),
        )
        signal?.addEventListener('abort', onAbort, { once: true })
        const run = async (lost: AbortSignal) => {
          if (state !== 'waiting') return
          state = 'running'
          stop()
          signal?.removeEventListener('abort', onAbort)
          // A task's own failure is not the lock's: it rejects as it is.
          await task(lost).then((value) => resolve({ ok: true, value }), reject)
        }
        if (signal?.aborted) return onAbort()
        try {
          lock.withLock(lockName, run, { timeout: lockTimeout }).catch(giveUp)
        } catch (error) {
          giveUp(error)
        }
      })
    },

    /** What the scope holds now, read under the lock: storage, ledger, and the last record heard. */
    async truth(): Promise<Truth> {
      const [stored, entry] = await Promise.all([storage.load(), readLedger()])
      let confirmed: StoredTokens | null = null
      if (entry) {
        for (const candidate of [stored, heard]) {
          if (!candidate || candidate.grant !== entry.grant || candidate.generation !== entry.generation) continue
          if (entry.fingerprint === '' || (await fingerprint(candidate)) === entry.fingerprint) confirmed = candidate
        }
      }
      return { stored, ledger: entry, heard, confirmed }
    },

    /** Stores a new record, marks it latest in the ledger, and tells the scope: before the lock is released. */
    async commit(record: StoredTokens, type: 'session.started' | 'tokens.changed'): Promise<void> {
      await storage.save(record)
      if (ledger !== null) {
        const entry: LedgerEntry = {
          version: 2,
          scope,
          grant: record.grant,
          generation: record.generation,
          fingerprint: await fingerprint(record),
        }
        await ledgerCall((target) => target.save(entry))
      }
      await publish({ type, scope, grant: record.grant, generation: record.generation, tokens: record })
    },

    /** Ends `grant` for the scope: storage and ledger forget it if they still hold it, and the siblings hear. */
    async end(grant: string, reason: 'signedOut' | 'expired'): Promise<void> {
      await storage.clearGrant(grant)
      if (ledger !== null) {
        const entry = await readLedger()
        if (entry === null || entry?.grant === grant) await ledgerCall((target) => target.clear())
      }
      if (heard?.grant === grant) heard = null
      await publish({ type: 'session.ended', scope, grant, reason })
    },

    /** Hears the scope's messages, validated; returns the unsubscribe function. */
    listen(listener: (message: BroadcastMessage) => void): () => void {
      if (broadcast === undefined) return () => undefined
      const onMessage = (raw: unknown) => {
        const message = parseBroadcastMessage(raw, scope)
        if (message === null) {
          // Other scopes share channels: only a malformed message of ours is worth a word.
          if ((raw as { scope?: unknown } | null)?.scope === scope) {
            warn('BROADCAST_DISCARDED', 'A message of this scope failed validation and was dropped.')
          }
          return
        }
        if (message.type === 'session.ended') {
          if (heard?.grant === message.grant) heard = null
        } else if (message.tokens && (message.tokens.grant !== heard?.grant || message.generation > heard.generation)) {
          heard = message.tokens
        }
        listener(message)
      }
      try {
        return broadcast.subscribe(onMessage)
      } catch (error) {
        warn('BROADCAST_FAILED', 'Subscribing to the broadcast failed; this session hears no siblings.', error)
        return () => undefined
      }
    },
  }
}

export type Coordination = ReturnType<typeof coordination>
