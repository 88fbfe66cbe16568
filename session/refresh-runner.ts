import { validateTokenSet } from '../adapters/token-response.js'
import { RefreshError, isRefreshError } from '../machines/errors.js'
import type { Clock, Lock, StoredTokens, TokenEndpoint, TokenSet } from '../machines/ports.js'
import type { RefreshFailureCode, SessionEvent, TokenMetadata } from '../machines/session.types.js'
import type { GuardedStorage } from './guarded-storage.js'

export interface RefreshRunnerDeps {
  endpoint: TokenEndpoint
  storage: GuardedStorage
  clock: Clock
  /** Deadline for one refresh, in ms. */
  timeout: number
  /** Held around every refresh, so siblings sharing the grant never present the same refresh token twice. */
  lock: Lock
  lockName: string
  lockTimeout: number
  /** Under the lock: a record newer than ours that a sibling left (storage, or its broadcast), if any. */
  newerSibling: () => Promise<StoredTokens | null>
  /** Turns a token set received just now into the record to store and its metadata; `refreshToken` is the one just used. */
  toRecord: (tokens: TokenSet, refreshToken: string) => { record: StoredTokens; metadata: TokenMetadata }
  /** Hands the machine a record it is about to adopt: ours, or a sibling's. */
  announce: (record: StoredTokens, metadata: TokenMetadata) => void
  adoptSibling: (record: StoredTokens) => void
  /** Tells the siblings, before the lock is released. */
  publish: (record: StoredTokens) => Promise<void>
  dispatch: (event: SessionEvent) => boolean
}

/**
 * Any error from the endpoint as a `RefreshError`. A custom endpoint that
 * throws something else is treated as a network failure: transient, so it
 * never logs anyone out. Throw `RefreshError` with `INVALID_GRANT` to end the session.
 */
function toRefreshError(error: unknown): RefreshError {
  if (isRefreshError(error)) return error
  const name = (error as { name?: unknown } | null)?.name
  if (name === 'InvalidTokenResponseError') {
    return new RefreshError('The token endpoint answered with an invalid token response; nothing was stored.', {
      code: 'INVALID_RESPONSE',
      cause: error,
    })
  }
  if (name === 'LockTimeoutError') {
    return new RefreshError('The refresh lock could not be taken in time; no refresh was made without it.', {
      code: 'LOCK_TIMEOUT',
      cause: error,
    })
  }
  const code: RefreshFailureCode = name === 'TimeoutError' ? 'TIMEOUT' : 'NETWORK'
  return new RefreshError(`The token endpoint failed (${code}); the session is kept and the next request will try again.`, {
    code,
    cause: error,
  })
}

/** Rejects when `signal` aborts, even if `promise` (a custom endpoint) ignores the signal. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error)
    if (signal.aborted) return onAbort()
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
  })
}

/**
 * Runs one refresh at a time, under the coordination lock. The machine starts
 * it on entering `refreshing.exchanging` and cancels it on leaving; a
 * cancelled run's result is dropped, so a refresh that lands after sign-out is
 * never adopted.
 */
export function refreshRunner(deps: RefreshRunnerDeps) {
  let cancel: AbortController | undefined
  let lastError: RefreshError | undefined

  function fail(error: unknown): void {
    lastError = toRefreshError(error)
    const { code } = lastError
    deps.dispatch(
      code === 'INVALID_GRANT'
        ? { type: 'refresh.rejected' }
        : { type: 'refresh.failed', code, ...(lastError.retryAfter === undefined ? {} : { retryAfter: lastError.retryAfter }) },
    )
  }

  /** Asks the token endpoint, within the deadline. */
  async function exchange(refreshToken: string, cancelled: AbortSignal): Promise<TokenSet> {
    const deadline = new AbortController()
    const stopDeadline = deps.clock.setTimer(deps.timeout, () =>
      deadline.abort(new DOMException('The token endpoint did not answer within the deadline.', 'TimeoutError')),
    )
    const signal = AbortSignal.any([cancelled, deadline.signal])
    try {
      const answer = await untilAborted(
        Promise.resolve().then(() => deps.endpoint.refresh(refreshToken, { signal })),
        signal,
      )
      return validateTokenSet(answer)
    } catch (error) {
      throw deadline.signal.aborted ? deadline.signal.reason : error
    } finally {
      stopDeadline()
    }
  }

  async function underLock(refreshToken: string, cancelled: AbortSignal): Promise<void> {
    if (cancelled.aborted) return
    deps.dispatch({ type: 'lock.acquired' })
    // Someone may have refreshed while this run waited for the lock: their
    // refresh token has rotated ours away, so adopt theirs instead.
    const sibling = await deps.newerSibling()
    if (cancelled.aborted) return
    if (sibling) return deps.adoptSibling(sibling)

    let tokens: TokenSet
    try {
      tokens = await exchange(refreshToken, cancelled)
    } catch (error) {
      if (cancelled.aborted) return
      // A refusal may just mean a sibling rotated the token a moment ago: look once more.
      if (isRefreshError(error) && error.code === 'INVALID_GRANT') {
        const rotated = await deps.newerSibling()
        if (cancelled.aborted) return
        if (rotated) return deps.adoptSibling(rotated)
      }
      return fail(error)
    }
    if (cancelled.aborted) return
    const { record, metadata } = deps.toRecord(tokens, refreshToken)
    // A rotated refresh token is persisted, and told to the siblings, before
    // the lock is released and before anyone here uses it (RFC 9700 §4.14.2).
    await deps.storage.save(record)
    await deps.publish(record)
    if (cancelled.aborted) return
    lastError = undefined
    deps.announce(record, metadata)
  }

  async function run(refreshToken: string, cancelled: AbortSignal): Promise<void> {
    try {
      await deps.lock.withLock(deps.lockName, () => underLock(refreshToken, cancelled), { timeout: deps.lockTimeout })
    } catch (error) {
      if (!cancelled.aborted) fail(error)
    }
  }

  return {
    start(refreshToken: string): void {
      cancel = new AbortController()
      void run(refreshToken, cancel.signal)
    },
    cancel(): void {
      cancel?.abort()
      cancel = undefined
    },
    /** The failure the machine was last told about, with its full detail. */
    lastError: (): RefreshError | undefined => lastError,
  }
}
