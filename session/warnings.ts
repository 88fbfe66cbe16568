/**
 * Something went wrong that the session survived; nothing was lost, but you
 * may want to know. Every call into a port you supply (storage, ledger, lock,
 * broadcast, navigation, clock, random, environment, listeners, revocation)
 * that throws, rejects or does not answer in time becomes one of these, never
 * an unhandled rejection.
 */
export interface SessionWarning {
  code: SessionWarningCode
  message: string
  cause?: unknown
}

export type SessionWarningCode =
  /** The token storage threw; tokens are kept in memory for the rest of this session. */
  | 'STORAGE_FALLBACK'
  /** The token storage did not answer in time; memory from now on. At startup the session starts signed out. */
  | 'STORAGE_TIMEOUT'
  /** The stored record was malformed or of another scope, and has been discarded. */
  | 'STORAGE_DISCARDED'
  /** The ledger threw or did not answer in time; coordination goes on with the token storage alone. */
  | 'LEDGER_FAILED'
  /** A broadcast could not be published in time; siblings catch up at their next refresh. */
  | 'BROADCAST_FAILED'
  /** A message of this scope failed validation (forged, corrupted, another version) and was dropped. */
  | 'BROADCAST_DISCARDED'
  /** A sibling's sign-in was heard, but its record could not be read; this session signed out rather than keep the old grant. */
  | 'SIBLING_UNREADABLE'
  /** Sign-in or sign-out could not take the coordination lock in time and went ahead without it. */
  | 'LOCK_UNAVAILABLE'
  /** The refresh token could not be revoked at the server (RFC 7009); the local session is cleared anyway. */
  | 'REVOCATION_FAILED'
  /** The navigation adapter threw while sending the user to sign in. */
  | 'NAVIGATION_FAILED'
  /** A listener given to `session.on` threw; the other listeners still ran. */
  | 'LISTENER_FAILED'
  /** The clock threw; the system clock is used from now on. */
  | 'CLOCK_FAILED'
  /** The random source threw; `Math.random` is used from now on. */
  | 'RANDOM_FAILED'
  /** The environment adapter threw; the session assumes it is online and visible. */
  | 'ENVIRONMENT_FAILED'

/** Reports a warning; never throws. */
export type Warn = (code: SessionWarningCode, message: string, cause?: unknown) => void
