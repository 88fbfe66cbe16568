/**
 * `token-refresh-machine/vue`: the session in Vue 3. A plugin (or
 * `provideTokenSession` in a component's setup) makes a session created
 * outside Vue available; composables return read-only refs that follow the
 * chart and stop following it when their effect scope is disposed. Vue is an
 * optional peer dependency; nothing here reaches the main entry.
 */
import { inject, onScopeDispose, provide, readonly, shallowRef, type InjectionKey, type Plugin, type Ref } from 'vue'
import { ConfigurationError } from '../machines/errors.js'
import type { TokenSession } from '../session/session-options.js'
import { sessionStatus, type SessionStatus } from '../session/session-status.js'
import { selectFromSession, type SessionSnapshot } from './selection.js'

/** The injection key the plugin and `provideTokenSession` provide the session under. */
export const TOKEN_SESSION: InjectionKey<TokenSession> = Symbol('token-refresh-machine session')

/**
 * `app.use(tokenSession(session))`: every component of the app can `useTokenSession()`.
 *
 * @example
 * createApp(App).use(tokenSession(session)).mount('#app')
 */
export function tokenSession(session: TokenSession): Plugin {
  return { install: (app) => void app.provide(TOKEN_SESSION, session) }
}

/** Provides `session` to the descendants of the component whose setup calls it. */
export function provideTokenSession(session: TokenSession): void {
  provide(TOKEN_SESSION, session)
}

/** The provided session: `fetch`, `signIn`, `signOut`. Call it in `setup`. */
export function useTokenSession(): TokenSession {
  const session = inject(TOKEN_SESSION, null)
  if (session === null) {
    throw new ConfigurationError('useTokenSession() needs app.use(tokenSession(session)) or provideTokenSession(session).')
  }
  return session
}

/**
 * A read-only ref of a value selected from the session's snapshot, updated
 * only when it changes (by `isEqual`, `Object.is` by default). It stops
 * following the session when the current effect scope (the component) is disposed.
 */
export function useSessionSelector<T>(
  select: (snapshot: SessionSnapshot) => T,
  isEqual: (a: T, b: T) => boolean = Object.is,
): Readonly<Ref<T>> {
  const selection = selectFromSession(useTokenSession(), select, isEqual)
  const value = shallowRef(selection.get())
  onScopeDispose(selection.subscribe((next) => (value.value = next)))
  return readonly(value) as Readonly<Ref<T>>
}

/** A read-only ref of the session's status: `restoring`, `signedOut`, `active`, `refreshing`, `expired`. */
export function useSessionStatus(): Readonly<Ref<SessionStatus>> {
  return useSessionSelector(sessionStatus)
}

export type { SessionStatus } from '../session/session-status.js'
export type { SessionSnapshot } from './selection.js'
