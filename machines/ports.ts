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
  /** `token_type` (RFC 6749 §5.1): `DPoP` for a sender-constrained token (RFC 9449 §5). Absent means `Bearer`. */
  tokenType?: 'Bearer' | 'DPoP'
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

/**
 * One token set as it is kept and shared: the tokens, and whose they are.
 * Everything another session may read carries its `scope` and `grant`, and
 * every reader checks both before trusting it.
 */
export interface StoredTokens {
  version: 2
  /** The shared slot this record belongs to (the session's scope). Sessions of other scopes never adopt it. */
  scope: string
  /** The sign-in it descends from: a random id (128 bits) minted by `signIn`. */
  grant: string
  /** Orders the records of one grant: 1 at sign-in, one more per refresh. */
  generation: number
  accessToken: string
  refreshToken?: string
  /** Epoch milliseconds, or null when unknown. */
  expiresAt: number | null
}

/**
 * Keeps the tokens across reloads. Any of the three may be synchronous or
 * asynchronous, may throw or may hang; the session bounds each call with a
 * deadline, falls back to memory and emits a `warning`. Whatever `load`
 * returns is validated, and malformed data is discarded, so a storage may
 * return raw parsed JSON (or null when empty). `load` must return what the
 * last `save` stored: under the refresh lock, what storage holds is the truth
 * of the scope (an empty storage means the grant ended elsewhere).
 */
export interface TokenStorage {
  load(): Awaitable<unknown>
  save(tokens: StoredTokens): Awaitable<void>
  clear(): Awaitable<void>
  /**
   * Names the slot the tokens live in, where several tabs or processes can
   * reach it (`redis:<key>`, `localStorage:<key>`). Sessions on one slot share
   * a scope by default. Leave it out for a slot private to this realm.
   */
  readonly scope?: string
}

/**
 * What the ledger keeps for a scope: which record is the latest, never the
 * tokens. Read under the lock, it tells a session that storage lags behind.
 */
export interface LedgerEntry {
  version: 2
  scope: string
  grant: string
  generation: number
  /** SHA-256 of the record's tokens, truncated: tells the latest record from a stale or forged one. Not reversible. */
  fingerprint: string
}

/** Where ledger entries live: any coherent store (IndexedDB in a browser). */
export interface LedgerStorage {
  load(): Awaitable<unknown>
  save(entry: LedgerEntry): Awaitable<void>
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
  /**
   * The coherent store siblings read under this lock, when the token storage
   * may lag (a browser's `localStorage`): `webLocks()` brings an IndexedDB
   * ledger named by the scope. Used when `coordination.ledger` is not given.
   */
  ledgerFor?(scope: string): LedgerStorage | null
}

/**
 * What siblings tell each other. Each message names its scope and grant;
 * a receiver drops messages of other scopes and validates the rest like a
 * stored record. `tokens` travels only on carriers as private as the storage
 * (BroadcastChannel: same origin, in memory); a sibling can re-read the
 * storage instead.
 */
export type BroadcastMessage =
  /** A sign-in started a new grant in the scope: every sibling follows it. */
  | { type: 'session.started'; scope: string; grant: string; generation: number; tokens?: StoredTokens }
  /** A refresh of the grant stored a newer record. */
  | { type: 'tokens.changed'; scope: string; grant: string; generation: number; tokens?: StoredTokens }
  /** The grant ended: signed out, or refused by the server. */
  | { type: 'session.ended'; scope: string; grant: string; reason: 'signedOut' | 'expired' }

/**
 * Tells the other tabs or processes of a scope that tokens changed or the
 * session started or ended. Listeners receive whatever arrived (`unknown`):
 * the session validates every message, so a carrier only frames them.
 */
export interface Broadcast {
  publish(message: BroadcastMessage): Awaitable<void>
  /** Receives messages from the others (never one's own); returns the unsubscribe function. */
  subscribe(listener: (message: unknown) => void): () => void
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
