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
  | RefreshErrorCode

/**
 * Why a refresh failed. `INVALID_GRANT` ends the session (RFC 6749 §5.2: the
 * refresh token is invalid, expired or revoked); every other code leaves it
 * signed in so a later request can try again.
 */
export type RefreshErrorCode =
  'NETWORK' | 'TIMEOUT' | 'SERVER_ERROR' | 'RATE_LIMITED' | 'INVALID_RESPONSE' | 'OAUTH_ERROR' | 'LOCK_TIMEOUT' | 'INVALID_GRANT'

export interface TokenSessionErrorOptions<TCode extends TokenSessionErrorCode> {
  code: TCode
  cause?: unknown
}

/** Base class of every error this library throws or rejects with. */
export class TokenSessionError<TCode extends TokenSessionErrorCode = TokenSessionErrorCode> extends Error {
  override name: string = 'TokenSessionError'
  readonly code: TCode

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

/** A request needed a token, but nobody is signed in (never, or after `signOut()`). */
export class NotSignedInError extends TokenSessionError<'NOT_SIGNED_IN'> {
  override name = 'NotSignedInError'
  constructor(message = 'No one is signed in; call session.signIn() first.') {
    super(message, { code: 'NOT_SIGNED_IN' })
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

// Type guards compare `name`, not `instanceof`, so they hold across realms and
// duplicated copies of this package (the way ky's `isHTTPError` does).

function hasName(error: unknown, name: string): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === name
}

/** True for any error this library produced. */
export function isTokenSessionError(error: unknown): error is TokenSessionError {
  return (
    error instanceof TokenSessionError ||
    (error instanceof Error &&
      typeof (error as { code?: unknown }).code === 'string' &&
      [
        'TokenSessionError',
        'ConfigurationError',
        'InvalidTokenResponseError',
        'SessionExpiredError',
        'NotSignedInError',
        'RefreshError',
        'RevocationError',
      ].includes(error.name))
  )
}

export function isSessionExpiredError(error: unknown): error is SessionExpiredError {
  return hasName(error, 'SessionExpiredError')
}

export function isNotSignedInError(error: unknown): error is NotSignedInError {
  return hasName(error, 'NotSignedInError')
}

export function isRefreshError(error: unknown): error is RefreshError {
  return hasName(error, 'RefreshError')
}
