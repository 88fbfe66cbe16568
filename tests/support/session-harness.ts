import { oauth2TokenEndpoint } from '../../adapters/oauth2-token-endpoint.js'
import { createTokenSession, type TokenSession, type TokenSessionOptions } from '../../session/create-token-session.js'
import type { FakeApi } from './fake-api.js'

/** A session against the fake API, signed in with a fresh token set. */
export async function signedInSession(api: FakeApi, options: Partial<TokenSessionOptions> = {}): Promise<TokenSession> {
  const session = createTokenSession({
    tokenEndpoint: oauth2TokenEndpoint({ url: api.tokenUrl, clientId: 'spa' }),
    allowedOrigins: [api.origin],
    ...options,
  })
  await session.signIn(api.issue())
  return session
}

/** The session's state as a dotted string, e.g. `active.idle`. */
export function stateOf(session: TokenSession): string {
  const value: unknown = session.actor.getSnapshot().value
  if (typeof value === 'string') return value
  const [parent, child] = Object.entries(value as Record<string, string>)[0] ?? []
  return `${parent}.${child}`
}

/** Resolves once the session's state matches; rejects after a while so nothing hangs. */
export function waitForState(session: TokenSession, state: string, timeoutMs = 5_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const matches = () => stateOf(session) === state || stateOf(session).startsWith(`${state}.`)
    if (matches()) return resolve()
    const timer = setTimeout(() => {
      subscription.unsubscribe()
      reject(new Error(`timed out waiting for ${state}; still ${stateOf(session)}`))
    }, timeoutMs)
    const subscription = session.actor.subscribe(() => {
      if (!matches()) return
      clearTimeout(timer)
      subscription.unsubscribe()
      resolve()
    })
  })
}

/** Resolves once `condition` holds, polling; for conditions outside the actor (server counters). */
export async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for a condition')
    await new Promise((resolve) => setTimeout(resolve, 2))
  }
}

/** Captures what a promise settles to, without letting a rejection go unhandled. */
export function settleOf<T>(promise: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  return promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  )
}
