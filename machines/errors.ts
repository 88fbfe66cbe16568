/**
 * One base class, a few subclasses, each with a stable `code`. Messages say
 * what happened and what to do; they never contain a token.
 */

export type TokenSessionErrorCode =
  | 'INVALID_CONFIGURATION'
  | 'INVALID_TOKEN_RESPONSE'
  | 'SESSION_EXPIRED'
  | 'NOT_SIGNED_IN'
  | 'REVOCATION_FAILED'
  | 'INTERNAL_ERROR'
  | 'LOCK_TIMEOUT'
  | 'SESSION_DISPOSED'
  | RefreshErrorCode

/**
 * Why a refresh failed. `INVALID_GRANT` ends the session (RFC 6749 §5.2: the
 * refresh token is invalid, expired or revoked); every other code leaves it
 * signed in so a later request can try again.
 * - `LOCK_TIMEOUT`: the coordination lock was not free in time; no refresh was made.
 * - `LOCK_LOST`: the lock was lost before the exchange (a Redis lease, a stolen Web Lock); no refresh was made.
 * - `TIMEOUT` is also what a request gets when it waited longer than `refresh.maxWait`.
 */
export type RefreshErrorCode =
  | 'NETWORK'
  | 'TIMEOUT'
  | 'SERVER_ERROR'
  | 'RATE_LIMITED'
  | 'INVALID_RESPONSE'
  | 'OAUTH_ERROR'
  | 'LOCK_TIMEOUT'
  | 'LOCK_LOST'
  | 'INVALID_GRANT'

/** A failure of the token endpoint that leaves the session signed in: every code but `INVALID_GRANT`. */
export type RefreshFailureCode = Exclude<RefreshErrorCode, 'INVALID_GRANT'>

// A brand instead of `instanceof` or a list of names: it holds across realms
// (`Symbol.for` is shared by all of them) and across duplicated copies of this package.
const brand = Symbol.for('token-refresh-machine.error')

export interface TokenSessionErrorOptions<TCode extends TokenSessionErrorCode> {
  code: TCode
  cause?: unknown
}

/** Base class of every error this library throws or rejects with. */
export class TokenSessionError<TCode extends TokenSessionErrorCode = TokenSessionErrorCode> extends Error {
  override name: string = 'TokenSessionError'
  readonly code: TCode
  readonly [brand] = true

  constructor(message: string, options: TokenSessionErrorOptions<TCode>) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = options.code
  }
}

/** The options given to `createTokenSession` or an adapter cannot work. Fix the call. */
export class ConfigurationError extends TokenSessionError<'INVALID_CONFIGURATION'> {
  override name = 'ConfigurationError'
  constructor(message: string) {
    super(message, { code: 'INVALID_CONFIGURATION' })
  }
}

/** A token response (from sign-in or a refresh) is not a valid RFC 6749 §5.1 response. Nothing was stored. */
export class InvalidTokenResponseError extends TokenSessionError<'INVALID_TOKEN_RESPONSE'> {
  override name = 'InvalidTokenResponseError'
  constructor(message: string) {
    super(message, { code: 'INVALID_TOKEN_RESPONSE' })
  }
}

/** The session ended (grant refused or revoked, or no refresh token): the user must sign in again. */
export class SessionExpiredError extends TokenSessionError<'SESSION_EXPIRED'> {
  override name = 'SessionExpiredError'
  constructor(message = 'The session has expired; sign in again to continue.', options: { cause?: unknown } = {}) {
    super(message, { code: 'SESSION_EXPIRED', cause: options.cause })
  }
}

/** A request needed a token, but nobody is signed in (never, after `signOut()`, or another sign-in replaced the grant it waited on). */
export class NotSignedInError extends TokenSessionError<'NOT_SIGNED_IN'> {
  override name = 'NotSignedInError'
  constructor(message = 'No one is signed in; call session.signIn() first.') {
    super(message, { code: 'NOT_SIGNED_IN' })
  }
}

/** The session was disposed (`session.dispose()`): create a new one; it restores from storage. */
export class SessionDisposedError extends TokenSessionError<'SESSION_DISPOSED'> {
  override name = 'SessionDisposedError'
  constructor(message = 'The session was disposed; create a new session to continue (it restores from storage).') {
    super(message, { code: 'SESSION_DISPOSED' })
  }
}

export interface RefreshErrorOptions {
  code: RefreshErrorCode
  cause?: unknown
  /** HTTP status of the token endpoint's answer, when there was one. */
  status?: number
  /** The `error` member of an RFC 6749 §5.2 error response. */
  oauthError?: string
  /** Seconds the server asked to wait (`Retry-After`), when it did. */
  retryAfter?: number
}

/** The token endpoint could not give a new token set. See `code` for why. */
export class RefreshError extends TokenSessionError<RefreshErrorCode> {
  override name = 'RefreshError'
  readonly status: number | undefined
  readonly oauthError: string | undefined
  readonly retryAfter: number | undefined

  constructor(message: string, options: RefreshErrorOptions) {
    super(message, { code: options.code, cause: options.cause })
    this.status = options.status
    this.oauthError = options.oauthError
    this.retryAfter = options.retryAfter
  }
}

/** RFC 7009 revocation did not complete. Signing out still clears the local session. */
export class RevocationError extends TokenSessionError<'REVOCATION_FAILED'> {
  override name = 'RevocationError'
  readonly status: number | undefined
  constructor(message: string, options: { cause?: unknown; status?: number } = {}) {
    super(message, { code: 'REVOCATION_FAILED', cause: options.cause })
    this.status = options.status
  }
}

/** The coordination lock could not be taken in time; the refresh did not happen (never refresh without the lock). */
export class LockTimeoutError extends TokenSessionError<'LOCK_TIMEOUT'> {
  override name = 'LockTimeoutError'
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { code: 'LOCK_TIMEOUT', cause: options.cause })
  }
}

// Type guards read the brand and the name, so they hold across realms and
// duplicated copies of this package (the way ky's `isHTTPError` does).

function branded(error: unknown): error is TokenSessionError {
  return typeof error === 'object' && error !== null && (error as { [brand]?: unknown })[brand] === true
}

function guard<T extends TokenSessionError>(name: string): (error: unknown) => error is T {
  return (error: unknown): error is T => branded(error) && error.name === name
}

/** True for any error this library produced. */
export const isTokenSessionError: (error: unknown) => error is TokenSessionError = branded
export const isConfigurationError = guard<ConfigurationError>('ConfigurationError')
export const isInvalidTokenResponseError = guard<InvalidTokenResponseError>('InvalidTokenResponseError')
export const isSessionExpiredError = guard<SessionExpiredError>('SessionExpiredError')
export const isNotSignedInError = guard<NotSignedInError>('NotSignedInError')
export const isSessionDisposedError = guard<SessionDisposedError>('SessionDisposedError')
export const isRefreshError = guard<RefreshError>('RefreshError')
export const isRevocationError = guard<RevocationError>('RevocationError')
export const isLockTimeoutError = guard<LockTimeoutError>('LockTimeoutError')
