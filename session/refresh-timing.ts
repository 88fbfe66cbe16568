/** A year: longer lifetimes are clamped so expiry arithmetic and timers stay sane. */
export const MAX_LIFETIME_MS = 365 * 24 * 3600 * 1000

export interface RefreshOptions {
  /**
   * Refresh before the access token expires, so steady traffic never meets a
   * 401. Reactive refresh on 401 stays on either way: tokens can die early.
   * Turn off for apps that must not refresh while idle.
   * @default true
   */
  proactive?: boolean
  /**
   * How long before the expiry to refresh, in ms. Never more than half the
   * token's lifetime.
   * @default 30_000
   */
  leeway?: number
  /**
   * The shortest time from receiving tokens to their time-based refresh, in
   * ms, so that tokens born expired or nearly (`expires_in: 0`, `1`) cannot
   * cause a refresh loop. A 401 still refreshes sooner, once.
   * @default 5_000
   */
  minInterval?: number
  /**
   * Lifetime in seconds to assume when the server sends no `expires_in`.
   * Unset, an unknown expiry means relying on 401s alone.
   */
  defaultLifetime?: number
  /**
   * Attempts per renewal before parked requests get the failure. Only
   * transient failures (network, timeout, 5xx, 429) are retried.
   * @default 4
   */
  maxAttempts?: number
  /**
   * Backoff before the next attempt, in ms: full jitter over an exponential
   * that starts at `initialDelay` and is capped at `maxDelay`.
   * @default { initialDelay: 500, maxDelay: 30_000 }
   */
  backoff?: { initialDelay?: number; maxDelay?: number }
  /**
   * The longest `Retry-After` honoured, in ms; a server asking for more is
   * waited on for this long.
   * @default 60_000
   */
  maxRetryAfter?: number
  /**
   * Deadline for one refresh request, in ms, whatever the endpoint, and for
   * every other call into a port you supply (storage, ledger, broadcast,
   * revocation): one option bounds them all. A slow or endless port cannot
   * hang callers.
   * @default 10_000
   */
  timeout?: number
  /**
   * The longest a request waits for the session to authorize it (a renewal,
   * a restore), in ms. Past it the request rejects with `RefreshError`
   * `TIMEOUT`; the renewal goes on, and later requests join it.
   * @default 15_000
   */
  maxWait?: number
}

export type RefreshTiming = Required<Omit<RefreshOptions, 'defaultLifetime' | 'backoff'>> & {
  defaultLifetime: number | undefined
  initialDelay: number
  maxDelay: number
}

export function resolveTiming(options: RefreshOptions = {}): RefreshTiming {
  return {
    proactive: options.proactive ?? true,
    leeway: options.leeway ?? 30_000,
    minInterval: options.minInterval ?? 5_000,
    defaultLifetime: options.defaultLifetime,
    maxAttempts: options.maxAttempts ?? 4,
    initialDelay: options.backoff?.initialDelay ?? 500,
    maxDelay: options.backoff?.maxDelay ?? 30_000,
    maxRetryAfter: options.maxRetryAfter ?? 60_000,
    timeout: options.timeout ?? 10_000,
    maxWait: options.maxWait ?? 15_000,
  }
}

/**
 * When tokens that arrived at `receivedAt` expire, and when a time-based
 * refresh is due: a leeway before the expiry (at most half the lifetime), and
 * never sooner than `minInterval` after arrival. Times are on the monotonic
 * clock: `expires_in` counts from receipt (RFC 6749 §5.1), not from a wall
 * clock that may be wrong or may jump.
 */
export function freshTiming(
  expiresIn: number | undefined,
  receivedAt: number,
  timing: RefreshTiming,
): { expiresAt: number | null; refreshAt: number | null } {
  const seconds = expiresIn ?? timing.defaultLifetime
  if (seconds === undefined) return { expiresAt: null, refreshAt: null }
  const lifetime = Math.min(seconds * 1000, MAX_LIFETIME_MS)
  // Never sooner than the minimum interval after the tokens arrived: a token
  // born expired, or nearly (`expires_in: 0` or `1`), cannot cause a refresh loop.
  const due = Math.max(lifetime - Math.min(timing.leeway, lifetime / 2), timing.minInterval)
  return { expiresAt: receivedAt + lifetime, refreshAt: receivedAt + due }
}

/**
 * The same for a record whose lifetime is only known as time left: read back
 * from storage, which may have expired while the app was closed (due at once
 * if so), or just adopted from a sibling, which arrived now (so no sooner
 * than `minInterval`, like tokens of our own).
 */
export function restoredTiming(
  remaining: number | null,
  now: number,
  timing: RefreshTiming,
  arrivedNow: boolean,
): { expiresAt: number | null; refreshAt: number | null } {
  if (remaining === null) return { expiresAt: null, refreshAt: null }
  const left = Math.min(remaining, MAX_LIFETIME_MS)
  const due = Math.max(0, left - Math.min(timing.leeway, left / 2), arrivedNow ? timing.minInterval : 0)
  return { expiresAt: now + left, refreshAt: now + due }
}

/**
 * The wait before attempt `attempt + 1`: "full jitter" (a uniform draw below
 * an exponential cap) so that many clients spread out instead of retrying in
 * lockstep, but never shorter than the server's `Retry-After` (RFC 9110
 * §10.2.3), itself capped.
 */
export function backoffDelay(
  attempt: number,
  retryAfterSeconds: number | undefined,
  random: () => number,
  timing: RefreshTiming,
): number {
  const ceiling = Math.min(timing.maxDelay, timing.initialDelay * 2 ** Math.max(0, attempt - 1))
  const jittered = Math.floor(random() * ceiling)
  const floor = retryAfterSeconds === undefined ? 0 : Math.min(retryAfterSeconds * 1000, timing.maxRetryAfter)
  return Math.max(jittered, floor)
}
