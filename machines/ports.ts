/**
 * The contracts adapters implement. Each is declared once here and implemented
 * per environment in `adapters/`; write your own by implementing the type.
 */

/** A value or a promise of it: ports may be synchronous or asynchronous. */
export type Awaitable<T> = T | Promise<T>

/** The `fetch` signature the library calls; inject your own (undici, a polyfill, a test double). */
export type FetchFunction = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>

/** A token set as the session uses it, already validated. */
export interface TokenSet {
  accessToken: string
  /** Absent when the server did not issue (or rotate) one; RFC 6749 §6 says keep the old one then. */
  refreshToken?: string
  /** Lifetime in seconds, as `expires_in` (RFC 6749 §5.1). Absent when unknown. */
  expiresIn?: number
  scope?: string
}

/**
 * Where refresh tokens are exchanged (RFC 6749 §6) and, optionally, revoked
 * (RFC 7009). `refresh` resolves a new token set or rejects with a
 * `RefreshError`; code `INVALID_GRANT` means the grant is gone and ends the
 * session, any other error leaves it signed in.
 */
export interface TokenEndpoint {
  refresh(refreshToken: string, options: { signal: AbortSignal }): Promise<TokenSet>
  revoke?(token: string, options: { tokenTypeHint: 'refresh_token' | 'access_token'; signal: AbortSignal }): Promise<void>
}

/** What a storage keeps: the tokens and their metadata. Versioned so old records can be recognised. */
export interface StoredTokens {
  version: 1
  accessToken: string
  refreshToken?: string
  /** Epoch milliseconds, or null when unknown. */
  expiresAt: number | null
  generation: number
}

/**
 * Keeps the tokens across reloads. Any of the three may be synchronous or
 * asynchronous and may throw; the session then falls back to memory and
 * emits a `warning`. Whatever `load` returns is validated, and malformed data
 * is discarded, so a storage may return raw parsed JSON (or null when empty).
 */
export interface TokenStorage {
  load(): Awaitable<unknown>
  save(tokens: StoredTokens): Awaitable<void>
  clear(): Awaitable<void>
}

/** Takes the user to sign in again once the session has expired. Called once per expiry. */
export interface Navigation {
  toLogin(details: { reason: 'expired' }): void
}
