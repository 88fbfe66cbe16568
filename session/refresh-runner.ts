import { validateTokenSet } from '../adapters/token-response.js'
import { RefreshError, isRefreshError } from '../machines/errors.js'
import type { Clock, StoredTokens, TokenEndpoint, TokenSet } from '../machines/ports.js'
import type { RefreshFailureCode, SessionEvent, TokenMetadata } from '../machines/session.types.js'
import type { GuardedStorage } from './guarded-storage.js'

export interface RefreshRunnerDeps {
  endpoint: TokenEndpoint
  storage: GuardedStorage
  clock: Clock
  /** Deadline for one refresh, in ms. */
  timeout: number
  /** Turns a token set received just now into the record to store and its metadata; `refreshToken` is the one just used. */
  toRecord: (tokens: TokenSet, refreshToken: string) => { record: StoredTokens; metadata: TokenMetadata }
  /** Hands the machine a record it is about to adopt. */
  announce: (record: StoredTokens, metadata: TokenMetadata) => void
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
 * Runs one refresh at a time. The machine starts it on entering
 * `refreshing.exchanging` and cancels it on leaving; a cancelled run's result
 * is dropped, so a refresh that lands after sign-out is never adopted.
 */
export function refreshRunner(deps: RefreshRunnerDeps) {
  let cancel: AbortController | undefined
  let lastError: RefreshError | undefined

  async function run(refreshToken: string, cancelled: AbortSignal): Promise<void> {
    const deadline = new AbortController()
    const stopDeadline = deps.clock.setTimer(deps.timeout, () =>
      deadline.abort(new DOMException('The token endpoint did not answer within the deadline.', 'TimeoutError')),
    )
    const signal = AbortSignal.any([cancelled, deadline.signal])
    let adopted: { record: StoredTokens; metadata: TokenMetadata }
    try {
      const answer = await untilAborted(
        Promise.resolve().then(() => deps.endpoint.refresh(refreshToken, { signal })),
        signal,
      )
      if (cancelled.aborted) return
      adopted = deps.toRecord(validateTokenSet(answer), refreshToken)
    } catch (error) {
      if (cancelled.aborted) return
      const failure = toRefreshError(deadline.signal.aborted ? deadline.signal.reason : error)
      lastError = failure
      const { code } = failure
      deps.dispatch(
        code === 'INVALID_GRANT'
          ? { type: 'refresh.rejected' }
          : { type: 'refresh.failed', code, ...(failure.retryAfter === undefined ? {} : { retryAfter: failure.retryAfter }) },
      )
      return
    } finally {
      stopDeadline()
    }
    // A rotated refresh token is persisted before anyone is told it exists:
    // losing it would leave only the old, already-rotated one (RFC 9700 §4.14.2).
    await deps.storage.save(adopted.record)
    if (cancelled.aborted) return
    lastError = undefined
    deps.announce(adopted.record, adopted.metadata)
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
