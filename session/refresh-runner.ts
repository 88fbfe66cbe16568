import { validateTokenSet } from '../adapters/token-response.js'
import { RefreshError, isInvalidTokenResponseError, isLockTimeoutError, isRefreshError } from '../machines/errors.js'
import type { Clock, StoredTokens, TokenEndpoint, TokenSet } from '../machines/ports.js'
import type { RefreshFailureCode } from '../machines/session.types.js'
import type { Coordination } from './coordination.js'
import { reconcile, type Reconciled } from './reconcile.js'
import type { TokenRecord, TokenRecords } from './token-records.js'

/** How one refresh run ended. The session turns each into one event for the machine. */
export type RefreshOutcome =
  /** The endpoint issued new tokens; they are stored and announced. */
  | { type: 'refreshed'; tokens: TokenRecord }
  /** A sibling had already refreshed this grant: its record, to adopt. */
  | { type: 'adopted'; record: StoredTokens }
  /** Another sign-in holds the scope: its record, to follow. */
  | { type: 'replaced'; record: StoredTokens }
  /** The scope holds no grant any more. */
  | { type: 'ended' }
  /** The endpoint refused the grant (`invalid_grant`); storage and ledger forget it, the scope is told. */
  | { type: 'rejected'; error: RefreshError }
  | { type: 'failed'; error: RefreshError }
  /**
   * The session abandoned the run (signed out, or moved to another grant):
   * nothing was stored, published or adopted. `refreshToken` is the one the
   * server issued meanwhile, if it did, so that a sign-out can revoke it.
   */
  | { type: 'abandoned'; refreshToken?: string }

export interface RefreshRunnerParts {
  endpoint: TokenEndpoint
  coordination: Coordination
  records: TokenRecords
  clock: Clock
  /** Deadline for the exchange, in ms. */
  timeout: number
  /** Resolves once the grant's sign-in is committed to the scope: a refresh never runs ahead of it. */
  ready: () => Promise<void>
}

/** How long, under the lock, to wait for storage to show the record the ledger says is latest. */
const BEHIND_WAIT_MS = 1_000
const BEHIND_POLL_MS = 25

/**
 * Any error from the endpoint as a `RefreshError`. A custom endpoint that
 * throws something else is treated as a network failure: transient, so it
 * never logs anyone out. Throw `RefreshError` with `INVALID_GRANT` to end the session.
 */
function toRefreshError(error: unknown): RefreshError {
  if (isRefreshError(error)) return error
  if (isInvalidTokenResponseError(error)) {
    return new RefreshError('The token endpoint answered with an invalid token response; nothing was stored.', {
      code: 'INVALID_RESPONSE',
      cause: error,
    })
  }
  if (isLockTimeoutError(error)) {
    return new RefreshError('The refresh lock could not be taken in time; no refresh was made without it.', {
      code: 'LOCK_TIMEOUT',
      cause: error,
    })
  }
  const code: RefreshFailureCode = (error as { name?: unknown } | null)?.name === 'TimeoutError' ? 'TIMEOUT' : 'NETWORK'
  return new RefreshError(`The token endpoint failed (${code}); the session is kept and the next request will try again.`, {
    code,
    cause: error,
  })
}

const failed = (code: RefreshFailureCode, message: string): RefreshOutcome => ({
  type: 'failed',
  error: new RefreshError(message, { code }),
})

/**
 * Runs a refresh under the scope's lock and says how it ended. Under the
 * lock it first reads what the scope holds, so a sibling's newer tokens or a
 * newer sign-in are adopted instead of presenting a refresh token that
 * rotation has already spent. A run the session abandons stores, publishes
 * and returns nothing of its result.
 */
export function refreshRunner({ endpoint, coordination, records, clock, timeout, ready }: RefreshRunnerParts) {
  let current: { abandon: AbortController; outcome: Promise<RefreshOutcome> } | undefined

  /**
   * Reconciles with what the scope holds, waiting a moment for a storage that
   * lags behind the ledger. Nobody else writes while this run holds the lock,
   * so a ledger still ahead after the wait is stale (its last write failed):
   * storage decides, and the next commit repairs the ledger.
   */
  async function look(held: StoredTokens): Promise<Reconciled> {
    for (let waited = 0; ; waited += BEHIND_POLL_MS) {
      const truth = await coordination.truth()
      const found = reconcile(held, truth)
      if (found.type !== 'behind') return found
      if (waited >= BEHIND_WAIT_MS) return reconcile(held, { ...truth, ledger: undefined })
      await new Promise<void>((resolve) => clock.setTimer(BEHIND_POLL_MS, resolve))
    }
  }

  function fromLook(found: Reconciled): RefreshOutcome | undefined {
    if (found.type === 'adopt') return { type: 'adopted', record: found.record }
    if (found.type === 'replaced') return { type: 'replaced', record: found.record }
    if (found.type === 'ended') return { type: 'ended' }
    return undefined
  }

  /** Asks the token endpoint within the deadline. Not cancelled by an abandon: the server may rotate, and the answer must be known. */
  async function exchange(refreshToken: string): Promise<TokenSet> {
    const deadline = new AbortController()
    const stop = clock.setTimer(timeout, () =>
      deadline.abort(new DOMException('The token endpoint did not answer within the deadline.', 'TimeoutError')),
    )
    try {
      const answer = await new Promise<unknown>((resolve, reject) => {
        deadline.signal.addEventListener('abort', () => reject(deadline.signal.reason as Error), { once: true })
        Promise.resolve()
          .then(() => endpoint.refresh(refreshToken, { signal: deadline.signal }))
          .then(resolve, reject)
      })
      return validateTokenSet(answer)
    } finally {
      stop()
    }
  }

  async function underLock(
    held: StoredTokens & { refreshToken: string },
    abandoned: AbortSignal,
    lost: AbortSignal,
    onLocked: () => void,
  ) {
    if (abandoned.aborted) return { type: 'abandoned' } as const
    onLocked()
    const found = await look(held)
    if (abandoned.aborted) return { type: 'abandoned' } as const
    const early = fromLook(found)
    if (early) return early
    // The lock was lost while we looked (a lease not renewed, a stolen Web Lock): presenting now could race the new holder.
    if (lost.aborted) return failed('LOCK_LOST', 'The refresh lock was lost before the exchange; no refresh was made.')

    let set: TokenSet
    try {
      set = await exchange(held.refreshToken)
    } catch (error) {
      if (abandoned.aborted) return { type: 'abandoned' } as const
      const refusal = toRefreshError(error)
      if (refusal.code !== 'INVALID_GRANT') return { type: 'failed', error: refusal } as const
      // A refusal may just mean a sibling rotated the token a moment ago: look once more.
      const rotated = fromLook(await look(held))
      if (rotated) return rotated
      await coordination.end(held.grant, 'expired')
      return { type: 'rejected', error: refusal } as const
    }
    const next = records.fromRefresh(set, held)
    if (abandoned.aborted) return { type: 'abandoned', ...withRefreshToken(next.record) } as const
    // The rotated refresh token is persisted and told to the scope before the
    // lock is released and before anyone here uses it (RFC 9700 §4.14.2).
    await coordination.commit(next.record, 'tokens.changed')
    if (abandoned.aborted) return { type: 'abandoned', ...withRefreshToken(next.record) } as const
    return { type: 'refreshed', tokens: next } as const
  }

  async function run(
    held: StoredTokens & { refreshToken: string },
    abandoned: AbortSignal,
    onLocked: () => void,
  ): Promise<RefreshOutcome> {
    try {
      await ready()
      const locked = await coordination.withLock((lost) => underLock(held, abandoned, lost, onLocked), abandoned)
      if (locked.ok) return locked.value
      if (abandoned.aborted) return { type: 'abandoned' }
      return { type: 'failed', error: toRefreshError(locked.error) }
    } catch (error) {
      return abandoned.aborted ? { type: 'abandoned' } : { type: 'failed', error: toRefreshError(error) }
    }
  }

  return {
    /** Starts a run for `held`; `onLocked` is told when the lock is held. */
    start(held: StoredTokens & { refreshToken: string }, onLocked: () => void): Promise<RefreshOutcome> {
      const abandon = new AbortController()
      const outcome = run(held, abandon.signal, onLocked)
      current = { abandon, outcome }
      return outcome
    },
    /** Abandons the run in flight, if any: its result is neither stored, published nor adopted. */
    abandon(): void {
      current?.abandon.abort()
    },
    /** The latest run's outcome, settled or not. */
    latest: (): Promise<RefreshOutcome> | undefined => current?.outcome,
  }
}

function withRefreshToken(record: StoredTokens): { refreshToken?: string } {
  return record.refreshToken === undefined ? {} : { refreshToken: record.refreshToken }
}

export type RefreshRunner = ReturnType<typeof refreshRunner>
