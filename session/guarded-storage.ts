import { memoryStorage } from '../adapters/memory-storage.js'
import type { StoredTokens, TokenStorage } from '../machines/ports.js'
import { parseStoredTokens } from './stored-tokens.js'
import type { SessionWarning } from './warnings.js'

/** The storage as the session uses it: ordered, never throwing, validated. */
export interface GuardedStorage {
  load(): Promise<StoredTokens | null>
  save(tokens: StoredTokens): Promise<void>
  clear(): Promise<void>
}

/**
 * Wraps a user storage so that
 * - operations apply in the order they were issued (a sign-out's clear can
 *   never be overtaken by an earlier refresh's save);
 * - a storage that throws (quota, private mode, SecurityError) is replaced by
 *   memory for the rest of the session, with a warning, and the write that
 *   failed lands in memory instead of being lost;
 * - what `load` returns is validated, and malformed data is discarded.
 */
export function guardedStorage(storage: TokenStorage, warn: (warning: SessionWarning) => void): GuardedStorage {
  let current = storage
  let queue: Promise<unknown> = Promise.resolve()
  let writes = 0

  function fallBack(error: unknown): void {
    if (current === storage) {
      current = memoryStorage()
      warn({
        code: 'STORAGE_FALLBACK',
        message: 'The token storage failed; tokens are kept in memory for the rest of this session.',
        cause: error,
      })
    }
  }

  function enqueue<T>(operation: () => Promise<T>): Promise<T> {
    writes++
    const result = queue.then(operation)
    queue = result.catch(() => undefined)
    return result
  }

  async function attempt<T>(operation: (target: TokenStorage) => T | Promise<T>): Promise<T> {
    try {
      return await operation(current)
    } catch (error) {
      fallBack(error)
      return operation(current)
    }
  }

  return {
    // Not queued: a slow load (AsyncStorage at startup) must not hold up a
    // sign-in's save. Whatever it returns is only adopted while the session is
    // still restoring, so reading around a concurrent write is harmless.
    async load() {
      const writesBefore = writes
      const raw = await attempt((target) => target.load())
      if (raw === null || raw === undefined) return null
      const tokens = parseStoredTokens(raw)
      if (tokens === null) {
        warn({ code: 'STORAGE_DISCARDED', message: 'The stored session was malformed and has been discarded.' })
        // A write since the load began has replaced the bad record already.
        if (writes === writesBefore) await enqueue(() => attempt((target) => target.clear()))
      }
      return tokens
    },
    save: (tokens) => enqueue(() => attempt((target) => target.save(tokens))),
    clear: () => enqueue(() => attempt((target) => target.clear())),
  }
}
