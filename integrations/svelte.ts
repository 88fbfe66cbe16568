/**
 * `token-refresh-machine/svelte`: the session as Svelte stores. They follow
 * the store contract (`subscribe` that calls back at once and on every change,
 * and returns the unsubscribe function), so `$status` works in Svelte 4
 * components and in Svelte 5 runes components alike, without this module
 * importing Svelte at all. The session follows the chart only while a store
 * has subscribers.
 */
import type { TokenSession } from '../session/session-options.js'
import { sessionStatus, type SessionStatus } from '../session/session-status.js'
import { selectFromSession, type SessionSnapshot } from './selection.js'

/**
 * A context key for the session, so components need not pass it down:
 * `mount(App, { target, context: new Map([[TOKEN_SESSION, session]]) })` or
 * `setContext(TOKEN_SESSION, session)` in a root component, then
 * `getContext<TokenSession>(TOKEN_SESSION)` below it.
 */
export const TOKEN_SESSION: unique symbol = Symbol.for('token-refresh-machine session')

/** Svelte's `Readable`, spelled out so that this module needs no import from Svelte. */
export interface Readable<T> {
  subscribe(run: (value: T) => void, invalidate?: () => void): () => void
}

/**
 * A store of a value selected from the session's snapshot; subscribers hear
 * of it only when it changes (by `isEqual`, `Object.is` by default).
 *
 * @example
 * const refreshing = sessionStore(session, (snapshot) => snapshot.matches('refreshing'))
 */
export function sessionStore<T>(
  session: TokenSession,
  select: (snapshot: SessionSnapshot) => T,
  isEqual: (a: T, b: T) => boolean = Object.is,
): Readable<T> {
  const selection = selectFromSession(session, select, isEqual)
  return {
    subscribe(run) {
      run(selection.get())
      return selection.subscribe(run)
    },
  }
}

/**
 * A store of the session's status: `restoring`, `signedOut`, `active`, `refreshing`, `expired`.
 *
 * @example
 * const status = sessionStatusStore(session) // then {$status} in markup
 */
export function sessionStatusStore(session: TokenSession): Readable<SessionStatus> {
  return sessionStore(session, sessionStatus)
}

export type { SessionStatus } from '../session/session-status.js'
export type { SessionSnapshot } from './selection.js'
