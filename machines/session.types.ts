/**
 * The vocabulary of the session statechart: what it remembers, what it hears
 * and what it announces. Everything here is plain, serializable data and holds
 * no secret: tokens live in the session's vault, outside the machine, so the
 * Stately inspector, persisted snapshots and logs never see one.
 *
 * Times are milliseconds on the session's monotonic clock (`Clock.now()`),
 * which a wall-clock change or a sleeping laptop cannot move backwards.
 */

import type { RefreshFailureCode } from './errors.js'

export type { RefreshFailureCode } from './errors.js'

/**
 * Why requests are refused once the session can no longer authorize them:
 * the grant expired, the user signed out, or another sign-in replaced the
 * grant the request was waiting on.
 */
export type EndReason = 'expired' | 'signedOut' | 'replaced'

/** Metadata of the token set the session holds, never the tokens themselves. */
export interface TokenMetadata {
  /**
   * The sign-in these tokens descend from: a random id, shared by every
   * session of the scope that follows the grant. An identity, not an
   * authority: it opens nothing.
   */
  grant: string
  /** Orders the token sets of one grant (1 at sign-in); tells stale 401s from fresh ones. */
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

export interface SessionContext extends Omit<TokenMetadata, 'grant'> {
  /** The grant held, or null when none is (before a sign-in, after the end). */
  grant: string | null
  /**
   * First sends on the wire, counted by the grant and generation of the token
   * they carry (`<generation>@<grant>`), so a 401 can be told stale (older
   * generation) or foreign (another grant) from fresh.
   */
  inFlight: Record<string, number>
  /** Requests parked until the session can authorize them. */
  parked: number
  /** Requests on their one replay (after a stale 401, or released by a refresh), still on the wire. */
  replaying: number
  /** A 401 blamed the current token: until new tokens arrive, requests are parked instead of using it. */
  tokenRejected: boolean
  /** Refresh attempts made in the current renewal (1 while the first is in flight). */
  attempt: number
  /** Attempts allowed per renewal before parked requests get the failure. */
  maxAttempts: number
  /** Whether the environment reports a network; offline, the next attempt waits for it instead of burning one. */
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
  /** A sign-in started a new grant: this session's own, or a sibling's that it follows. */
  | ({ type: 'session.signedIn' } & TokenMetadata)
  /** The app signed out (no grant), or a sibling signed out of `grant`. */
  | { type: 'session.signedOut'; grant?: string }
  /** A caller wants to send a request that needs a token; `now` checks the token's expiry at the moment of use. */
  | { type: 'request.sent'; id: number; now: number }
  /**
   * A request the chart counted left the wire: answered, failed or aborted.
   * First sends are settled a turn of the event loop late, so that requests
   * sent back to back are one burst (see `canJoinBurst`).
   */
  | { type: 'request.settled'; grant: string; generation: number; replay: boolean }
  /** A parked request gave up before it could go out: its caller aborted it, or it waited longer than `maxWait`. */
  | { type: 'request.withdrawn'; id: number }
  /**
   * A first send came back 401 with a challenge that blames the token (RFC
   * 6750 §3.1). `counted` says whether the chart counted it on the wire
   * (false for a request that joined a burst without an event).
   */
  | { type: 'token.rejected'; id: number; grant: string; generation: number; counted: boolean }
  /** The proactive refresh timer of token `generation` of `grant` fired. */
  | { type: 'refresh.due'; grant: string; generation: number }
  /** The coordination lock is held: the refresh may go ahead (after re-reading what siblings left). */
  | { type: 'lock.acquired' }
  /** The token endpoint issued a new token set, already persisted. */
  | ({ type: 'refresh.succeeded' } & TokenMetadata)
  /** The token endpoint failed in a way that may pass (network, 5xx, 429, bad response). */
  | { type: 'refresh.failed'; code: RefreshFailureCode; retryAfter?: number }
  /** The token endpoint refused the grant (`invalid_grant`, RFC 6749 §5.2). */
  | { type: 'refresh.rejected' }
  /** The backoff wait before the next attempt is over. */
  | { type: 'attempt.due' }
  | { type: 'network.online' }
  | { type: 'network.offline' }
  /** Another tab or process sharing the grant holds newer tokens (heard by broadcast, or found under the lock). */
  | ({ type: 'sibling.refreshed' } & TokenMetadata)
  /** Another tab or process found `grant` gone, or the scope's storage no longer holds it. */
  | { type: 'sibling.expired'; grant: string }

/** Events the session announces; subscribe with `session.on(type, listener)`. */
export type SessionEmitted =
  | { type: 'refreshed'; generation: number }
  | { type: 'refreshFailed'; code: RefreshFailureCode; attempt: number; willRetry: boolean }
  | { type: 'expired' }
  | { type: 'signedOut' }
