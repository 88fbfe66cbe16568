import { memoryStorage } from '../adapters/memory-storage.js'
import type { Clock, StoredTokens, TokenStorage } from '../machines/ports.js'
import { parseStoredTokens } from '../machines/records.js'
import { withinDeadline } from './port-deadline.js'
import type { Warn } from './warnings.js'

/** The storage as the session uses it: ordered, bounded, never throwing, validated, scoped. */
export interface GuardedStorage {
  /** The record of this scope; null when storage holds none; undefined when it could not say (it threw or hung). */
  load(): Promise<StoredTokens | null | undefined>
  save(record: StoredTokens): Promise<void>
  /** Clears the record if it is still one of `grant`: another grant's record is never cleared. */
  clearGrant(grant: string): Promise<void>
}

/**
 * Wraps a user storage so that
 * - writes apply in the order they were issued (a sign-out's clear can never
 *   be overtaken by an earlier refresh's save);
 * - every call is bounded by `timeout`; a storage that throws (quota, private
 *   mode, SecurityError) or hangs is replaced by memory for the rest of the
 *   session, with a warning, and the write that failed lands in memory;
 * - what `load` returns is validated for this scope; anything else is
 *   discarded with a warning.
 */
export function guardedStorage(
  storage: TokenStorage,
  scope: string,
  timeout: number,
  clock: Pick<Clock, 'setTimer'>,
  warn: Warn,
): GuardedStorage {
  let current = storage
  let lastKnown: StoredTokens | null = null
  let queue: Promise<unknown> = Promise.resolve()
  let writes = 0

  /** Runs one operation on the current storage; on failure switches to memory (seeded with what we knew) and says so. */
  async function attempt<T>(operation: (target: TokenStorage) => unknown): Promise<{ ok: boolean; value?: T }> {
    const target = current
    const result = await withinDeadline(() => operation(target), timeout, clock)
    if (result.ok) return { ok: true, value: result.value as T }
    if (current === storage) {
      current = memoryStorage()
      if (lastKnown !== null) void current.save(lastKnown)
      if (result.timedOut) {
        warn(
          'STORAGE_TIMEOUT',
          `The token storage did not answer within ${timeout} ms; tokens are kept in memory for the rest of this session.`,
          result.error,
        )
      } else {
        warn(
          'STORAGE_FALLBACK',
          'The token storage failed; tokens are kept in memory for the rest of this session.',
          result.error,
        )
      }
    }
    return { ok: false }
  }

  function enqueue(operation: () => Promise<unknown>): Promise<void> {
    writes++
    const result = queue.then(operation)
    queue = result.catch(() => undefined)
    return result.then(() => undefined)
  }

  async function save(record: StoredTokens): Promise<void> {
    lastKnown = record
    const saved = await attempt((target) => target.save(record))
    if (!saved.ok) await current.save(record)
  }

  return {
    // Not queued: a slow load (AsyncStorage at startup) must not hold up a
    // sign-in's save. What it returns is judged by the caller, which knows
    // whether a write has happened since.
    async load() {
      const writesBefore = writes
      const loaded = await attempt<unknown>((target) => target.load())
      if (!loaded.ok) return undefined
      if (loaded.value === null || loaded.value === undefined) return null
      const record = parseStoredTokens(loaded.value, scope)
      if (record === null) {
        warn('STORAGE_DISCARDED', 'The stored session was malformed or of another scope, and has been discarded.')
        // A write since the load began has replaced the bad record already.
        if (writes === writesBefore) await enqueue(() => attempt((target) => target.clear()))
        return null
      }
      lastKnown = record
      return record
    },
    save: (record) => enqueue(() => save(record)),
    clearGrant: (grant) =>
      enqueue(async () => {
        const loaded = await attempt<unknown>((target) => target.load())
        const stored = loaded.ok ? parseStoredTokens(loaded.value, scope) : null
        // Compare, then clear: unreadable or malformed counts as ours to clear; another grant's record does not.
        if (stored !== null && stored.grant !== grant) return
        if (lastKnown?.grant === grant) lastKnown = null
        const cleared = await attempt((target) => target.clear())
        if (!cleared.ok) await current.clear()
      }),
  }
}
