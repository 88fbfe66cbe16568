/**
 * The vocabulary of the session statechart: what it remembers, what it hears
 * and what it announces. Everything here is plain, serializable data and holds
 * no secret: tokens live in the session's vault, outside the machine, so the
 * Stately inspector, persisted snapshots and logs never see one.
 *
 * Times are milliseconds on the session's monotonic clock (`Clock.now()`),
 * which a wall-clock change or a sleeping laptop cannot move backwards.
 */

/** Why requests are refused once the session can no longer authorize them. */
export type EndReason = 'expired' | 'signedOut'

/** A failure of the token endpoint that leaves the session signed in. */
export type RefreshFailureCode =
  'NETWORK' | 'TIMEOUT' | 'SERVER_ERROR' | 'RATE_LIMITED' | 'INVALID_RESPONSE' | 'OAUTH_ERROR' | 'LOCK_TIMEOUT'

/** Metadata of the token set the session holds, never the tokens themselves. */
export interface TokenMetadata {
  /** Increases with every token set the session adopts; tells stale 401s from fresh ones. */
  generation: number
  /** When the access token expires, or null when unknown. */
  expiresAt: number | null
  /**
   * When a time-based refresh is due: a leeway before `expiresAt`, and never
   * sooner than a minimum interval after the tokens arrived, so that a token
   * born expired (`expires_in: 0`) cannot cause a refresh loop. Null when the
   * expiry is unknown.
   */
  refreshAt: number | null
  /** Whether a refresh token is held; without one a rejected token ends the session. */
  hasRefreshToken: boolean
}

export interface SessionContext extends TokenMetadata {
  /**
   * First sends on the wire, counted by the token generation they carry.
   * Keyed by generation so a 401 can be told stale (older generation) from fresh.
   */
  inFlight: Record<number, number>
  /** Requests parked until the session can authorize them. */
  waiting: number
  /** Requests on their one replay (after a stale 401, or released by a refresh), still on the wire. */
  retrying: number
  /** A 401 blamed the current token: until new tokens arrive, requests wait instead of using it. */
  tokenRejected: boolean
  /** Refresh attempts made in the current renewal (1 while the first is in flight). */
  attempt: number
  /** Attempts allowed per renewal before waiting requests get the failure. */
  maxAttempts: number
  /** Whether the environment reports a network; offline, retries wait for it instead of burning attempts. */
  online: boolean
}

/** What `createActor(sessionMachine, { input })` accepts. */
export interface SessionInput {
  /** @default 4 */
  maxAttempts?: number
}

export type SessionEvent =
  /** Storage held a valid token set; the session adopted it. */
  | ({ type: 'storage.loaded' } & TokenMetadata)
  /** Storage held nothing usable. */
  | { type: 'storage.empty' }
  /** The app signed in with a fresh token set. */
  | ({ type: 'session.signedIn' } & TokenMetadata)
  /** The app signed out. */
  | { type: 'session.signedOut' }
  /** A caller wants to send a request that needs a token; `now` checks the token's expiry at the moment of use. */
  | { type: 'request.sent'; id: number; now: number }
  /** A request left the wire: answered, failed or aborted. */
  | { type: 'request.settled'; id: number; generation: number; replay: boolean }
  /** A parked request was aborted by its caller before it could go out. */
  | { type: 'request.aborted'; id: number }
  /** A first send came back 401 with a challenge that blames the token (RFC 6750 §3.1). */
  | { type: 'token.rejected'; id: number; generation: number }
  /** The proactive refresh timer of token `generation` fired. */
  | { type: 'refresh.due'; generation: number }
  /** The coordination lock is held: the refresh may go ahead (after re-reading what siblings left). */
  | { type: 'lock.acquired' }
  /** The token endpoint issued a new token set, already persisted. */
  | ({ type: 'refresh.succeeded' } & TokenMetadata)
  /** The token endpoint failed in a way that may pass (network, 5xx, 429, bad response). */
  | { type: 'refresh.failed'; code: RefreshFailureCode; retryAfter?: number }
  /** The token endpoint refused the grant (`invalid_grant`, RFC 6749 §5.2). */
  | { type: 'refresh.rejected' }
  /** The backoff wait before the next attempt is over. */
  | { type: 'retry.due' }
  | { type: 'network.online' }
  | { type: 'network.offline' }
  /** Another tab or process sharing the grant holds newer tokens (heard by broadcast, or found under the lock). */
  | ({ type: 'sibling.refreshed' } & TokenMetadata)
  /** Another tab or process found the grant gone. */
  | { type: 'sibling.expired' }

/** Events the session announces; subscribe with `session.on(type, listener)`. */
export type SessionEmitted =
  | { type: 'refreshed'; generation: number }
  | { type: 'refreshFailed'; code: RefreshFailureCode; attempt: number; willRetry: boolean }
  | { type: 'expired' }
  | { type: 'signedOut' }
