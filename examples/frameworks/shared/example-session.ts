/**
 * What the four framework examples share, so that they differ only in their
 * framework: the session (one grant per browser profile, shared by its tabs),
 * the sign-in, and the list they load. The binding code each example shows
 * lives in its own folder.
 */
import {
  broadcastChannel,
  createTokenSession,
  indexedDbStorage,
  oauth2TokenEndpoint,
  sessionStatus,
  webLocks,
  type TokenSession,
  type TokenSessionOptions,
} from 'token-refresh-machine'
import type { ExampleConfig, ExampleProbe, ItemList } from './example-contract.js'

export type { ExampleConfig, ExampleProbe, Item, ItemList } from './example-contract.js'

export async function loadExampleConfig(): Promise<ExampleConfig> {
  const response = await fetch('/config.json')
  return (await response.json()) as ExampleConfig
}

/**
 * One session per page, created before the framework starts: tokens in
 * IndexedDB, one refresh at a time across the tabs (Web Locks), sign-in and
 * sign-out heard by every tab (BroadcastChannel).
 */
export function createExampleSession(config: ExampleConfig, inspect?: TokenSessionOptions['inspect']): TokenSession {
  const session = createTokenSession({
    tokenEndpoint: oauth2TokenEndpoint({
      url: config.tokenEndpoint,
      clientId: config.clientId,
      revocationUrl: config.revocationEndpoint,
    }),
    storage: indexedDbStorage({ name: 'example-session' }),
    coordination: { lock: webLocks(), broadcast: broadcastChannel() },
    allowedOrigins: [config.api],
    ...(config.refresh ? { refresh: config.refresh } : {}),
    ...(inspect ? { inspect } : {}),
  })
  observeForTests(session)
  return session
}

/** The login: here a scripted one on the example's host; in an app, your redirect callback's code exchange. */
export async function signInWithLogin(session: TokenSession, config: ExampleConfig): Promise<void> {
  const response = await fetch(config.signInUrl, { method: 'POST' })
  if (!response.ok) throw new Error(`The login failed with ${response.status}`)
  await session.signIn((await response.json()) as Record<string, unknown>)
}

/** The list, through `session.fetch`: the token is attached, renewed and the request replayed as needed. */
export async function loadItems(session: TokenSession, config: ExampleConfig, signal?: AbortSignal): Promise<ItemList> {
  const response = await session.fetch(`${config.api}/items`, signal ? { signal } : {})
  if (!response.ok) throw new Error(`The list failed to load: ${response.status}`)
  return (await response.json()) as ItemList
}

export const probe: ExampleProbe = { statuses: [], snapshots: 0, renders: 0, mountEffects: 0, loads: { ok: 0, failed: 0 } }

function observeForTests(session: TokenSession): void {
  Object.assign(globalThis, { exampleProbe: probe })
  const seen = (status: string) => {
    if (probe.statuses.at(-1) !== status) probe.statuses.push(status)
  }
  seen(sessionStatus(session.actor.getSnapshot()))
  session.actor.subscribe((snapshot) => {
    probe.snapshots++
    seen(sessionStatus(snapshot))
  })
}

/** Counts a finished load; aborted ones (the view went away) are neither. */
export function countLoad(outcome: 'ok' | 'failed'): void {
  probe.loads[outcome]++
}
