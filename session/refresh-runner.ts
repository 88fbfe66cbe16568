import { validateTokenSet } from '../adapters/token-response.js'
import { RefreshError, isRefreshError } from '../machines/errors.js'
import type { StoredTokens, TokenEndpoint } from '../machines/ports.js'
import type { RefreshFailureCode, SessionEvent } from '../machines/session.types.js'
import type { GuardedStorage } from './guarded-storage.js'

export interface RefreshRunnerDeps {
  endpoint: TokenEndpoint
  storage: GuardedStorage
  now: () => number
  /** The next generation number; never reused. */
  nextGeneration: () => number
  /** Hands over a token set the machine is about to adopt. */
  stage: (tokens: StoredTokens) => void
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

/**
 * Runs one refresh at a time. The machine starts it on entering `refreshing`
 * and cancels it on leaving; a cancelled run's result is dropped, so a refresh
 * that lands after sign-out is never adopted.
 */
export function refreshRunner(deps: RefreshRunnerDeps) {
  let controller: AbortController | undefined
  let lastError: RefreshError | undefined

  async function run(refreshToken: string, signal: AbortSignal): Promise<void> {
    let record: StoredTokens
    try {
      const tokens = validateTokenSet(await deps.endpoint.refresh(refreshToken, { signal }))
      if (signal.aborted) return
      record = {
        version: 1,
        accessToken: tokens.accessToken,
        // RFC 6749 §6: no new refresh token means the old one stays valid.
        refreshToken: tokens.refreshToken ?? refreshToken,
        expiresAt: tokens.expiresIn === undefined ? null : deps.now() + tokens.expiresIn * 1000,
        generation: deps.nextGeneration(),
      }
    } catch (error) {
      if (signal.aborted) return
      const failure = toRefreshError(error)
      lastError = failure
      const { code } = failure
      deps.dispatch(code === 'INVALID_GRANT' ? { type: 'refresh.rejected' } : { type: 'refresh.failed', code })
      return
    }
    // A rotated refresh token is persisted before anyone is told it exists:
    // losing it would leave only the old, already-rotated one (RFC 9700 §4.14.2).
    await deps.storage.save(record)
    if (signal.aborted) return
    lastError = undefined
    deps.stage(record)
    deps.dispatch({
      type: 'refresh.succeeded',
      generation: record.generation,
      expiresAt: record.expiresAt,
      hasRefreshToken: true,
    })
  }

  return {
    start(refreshToken: string): void {
      controller = new AbortController()
      void run(refreshToken, controller.signal)
    },
    cancel(): void {
      controller?.abort()
      controller = undefined
    },
    /** The failure the machine was last told about, with its full detail. */
    lastError: (): RefreshError | undefined => lastError,
  }
}
