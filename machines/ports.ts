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

/**
 * Mutual exclusion across whoever shares one grant: tabs of an origin, worker
 * threads, server processes. `withLock` runs `task` while holding the named
 * lock and releases it when the task settles. It rejects with a
 * `LockTimeoutError` when the lock cannot be had within `timeout` ms; the task
 * then never runs. `task`'s signal aborts if the lock is lost while held (a
 * Redis lease that could not be renewed), so the holder can stop before acting
 * on stale ground.
 */
export interface Lock {
  withLock<T>(name: string, task: (signal: AbortSignal) => Promise<T>, options: { timeout: number }): Promise<T>
}

/** What siblings tell each other. Only metadata unless a coherent carrier is wanted: see `tokens`. */
export type BroadcastMessage =
  | {
      type: 'tokens.changed'
      generation: number
      /**
       * The new record itself, for carriers that are as private as the storage
       * (BroadcastChannel: same origin, in memory). Lets a sibling adopt the
       * result without trusting a storage that may lag (localStorage across
       * Chromium renderers).
       */
      tokens?: StoredTokens
    }
  | { type: 'session.ended'; reason: 'signedOut' | 'expired'; generation: number }

/** Tells the other tabs or processes sharing the grant that tokens changed or the session ended. */
export interface Broadcast {
  publish(message: BroadcastMessage): Awaitable<void>
  /** Receives messages from the others (never one's own); returns the unsubscribe function. */
  subscribe(listener: (message: BroadcastMessage) => void): () => void
  close(): Awaitable<void>
}

/**
 * Time, injected. `now` is monotonic (a wall-clock change cannot move it back);
 * `wallNow` is epoch time, used only to persist expiries across reloads.
 */
export interface Clock {
  now(): number
  wallNow(): number
  /** Calls `callback` once after `ms`; returns the cancel function. Any `ms`, however large, must be honoured. */
  setTimer(ms: number, callback: () => void): () => void
}

/** What the session hears from its environment: becoming visible again, and the network coming and going. */
export type EnvironmentChange = 'visible' | 'online' | 'offline'

/**
 * The environment hooks, swappable the way TanStack Query's `focusManager`
 * and `onlineManager` are: browsers report visibility and connectivity,
 * servers and tests report what they like.
 */
export interface Environment {
  isOnline(): boolean
  /** Returns the unsubscribe function. */
  subscribe(listener: (change: EnvironmentChange) => void): () => void
}
