/**
 * `token-refresh-machine/react`: the session in React. The provider takes a
 * session made outside React (at module level, or wherever the app keeps its
 * clients), so rendering never creates one, StrictMode's double effects cannot
 * start a second one, and a server render starts nothing: the provider and the
 * hooks only read. React is an optional peer dependency; nothing here reaches
 * the main entry.
 */
import { createContext, createElement, useCallback, useContext, useRef, useSyncExternalStore, type ReactNode } from 'react'
import { ConfigurationError } from '../machines/errors.js'
import type { TokenSession } from '../session/session-options.js'
import { sessionStatus, type SessionStatus } from '../session/session-status.js'
import type { SessionSnapshot } from './selection.js'

const SessionContext = createContext<TokenSession | null>(null)
SessionContext.displayName = 'TokenSession'

export interface TokenSessionProviderProps {
  /** The session, created once outside React with `createTokenSession(...)`. */
  session: TokenSession
  children?: ReactNode
}

/**
 * Makes `session` available to the hooks below it. The same session object
 * is usable outside React too (axios instances, loaders, Redux thunks).
 *
 * @example
 * const session = createTokenSession({ tokenEndpoint }) // module level, once
 * createRoot(document.getElementById('root')!).render(<TokenSessionProvider session={session}><App /></TokenSessionProvider>)
 */
export function TokenSessionProvider({ session, children }: TokenSessionProviderProps): ReactNode {
  return createElement(SessionContext.Provider, { value: session }, children)
}

/** The session of the nearest `TokenSessionProvider`: `session.fetch`, `signIn`, `signOut`. */
export function useTokenSession(): TokenSession {
  const session = useContext(SessionContext)
  if (session === null) {
    throw new ConfigurationError('useTokenSession() needs a <TokenSessionProvider session={...}> above it.')
  }
  return session
}

/** `useSyncExternalStore`'s subscribe for the session's actor, stable per session. */
function useSubscribe(session: TokenSession): (onChange: () => void) => () => void {
  return useCallback(
    (onChange: () => void) => {
      const subscription = session.actor.subscribe(onChange)
      return () => subscription.unsubscribe()
    },
    [session],
  )
}

/**
 * A value selected from the session's snapshot; the component re-renders
 * only when it changes (by `isEqual`, `Object.is` by default), not on every
 * event the chart takes. Built on `useSyncExternalStore`.
 *
 * @example
 * const refreshing = useSessionSelector((snapshot) => snapshot.matches('refreshing'))
 */
export function useSessionSelector<T>(select: (snapshot: SessionSnapshot) => T, isEqual: (a: T, b: T) => boolean = Object.is): T {
  const session = useTokenSession()
  const subscribe = useSubscribe(session)
  // The last snapshot seen and what it selected, so that an equal value comes back as the same object.
  const last = useRef<{ snapshot: SessionSnapshot; value: T } | null>(null)
  const read = (): T => {
    const snapshot = session.actor.getSnapshot()
    const seen = last.current
    if (seen !== null && seen.snapshot === snapshot) return seen.value
    const value = select(snapshot)
    const kept = seen !== null && isEqual(seen.value, value) ? seen.value : value
    last.current = { snapshot, value: kept }
    return kept
  }
  return useSyncExternalStore(subscribe, read, read)
}

/**
 * The session's status (`restoring`, `signedOut`, `active`, `refreshing`,
 * `expired`); re-renders only when it changes. A server render and the
 * hydration that follows it see `restoring`: the server holds no browser's
 * session, so both render the same thing.
 */
export function useSessionStatus(): SessionStatus {
  const session = useTokenSession()
  const subscribe = useSubscribe(session)
  return useSyncExternalStore(
    subscribe,
    () => sessionStatus(session.actor.getSnapshot()),
    () => 'restoring',
  )
}

export type { SessionStatus } from '../session/session-status.js'
export type { SessionSnapshot } from './selection.js'
