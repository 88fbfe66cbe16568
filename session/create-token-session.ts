import { createActor } from 'xstate'
import { fetchAdapter } from '../adapters/fetch.js'
import { typedEndpoint } from './token-type.js'
import { ConfigurationError, SessionDisposedError } from '../machines/errors.js'
import { isGrantId } from '../machines/records.js'
import { sessionMachine } from '../machines/session.machine.js'
import { authorizedFetch } from './authorized-fetch.js'
import { authorizer } from './authorize.js'
import { authorizedSend } from './authorized-send.js'
import { coordination as createCoordination, scopeOf } from './coordination.js'
import { dispatcher } from './dispatcher.js'
import { followSiblings } from './follow-siblings.js'
import { grantLifecycle } from './grant-lifecycle.js'
import { guardedStorage } from './guarded-storage.js'
import { refreshRunner } from './refresh-runner.js'
import { requestDesk } from './request-desk.js'
import { resolveOptions } from './resolve-options.js'
import { sessionEffects } from './session-effects.js'
import type { TokenSession, TokenSessionOptions } from './session-options.js'
import { sessionEvents } from './session-events.js'
import { timers as createTimers } from './timers.js'
import { tokenKeeper } from './token-keeper.js'
import { tokenRecords, type TokenRecord } from './token-records.js'
import { wire, type Ticket } from './wire.js'

/** `Symbol.asyncDispose`, or the registered symbol that `await using` falls back to where the runtime lacks it. */
const asyncDispose: typeof Symbol.asyncDispose =
  (Symbol as { asyncDispose?: typeof Symbol.asyncDispose }).asyncDispose ??
  (Symbol.for('Symbol.asyncDispose') as typeof Symbol.asyncDispose)

/**
 * Creates a session: the statechart, wired to the adapters you choose.
 *
 * @example
 * const session = createTokenSession({
 *   tokenEndpoint: oauth2TokenEndpoint({ url: 'https://auth.example.com/oauth/token', clientId: 'spa' }),
 *   allowedOrigins: ['https://api.example.com'],
 * })
 * await session.signIn(tokenResponseFromLogin)
 * const res = await session.fetch('https://api.example.com/data')
 */
export function createTokenSession(options: TokenSessionOptions): TokenSession {
  const events = sessionEvents()
  const { warn } = events
  const resolved = resolveOptions(options, warn)
  const { timing, clock } = resolved
  const tokenType = options.tokenType ?? 'Bearer'
  const endpoint = typedEndpoint(resolved.endpoint, tokenType)
  const { timeout } = timing
  const scope = scopeOf(options.coordination ?? {}, resolved.userStorage)
  const storage = guardedStorage(resolved.userStorage, scope.scope, timeout, clock, warn)
  const coordination = createCoordination({ options: options.coordination ?? {}, scope, storage, clock, timeout, warn })
  const keeper = tokenKeeper(events.tokensChanged)
  const records = tokenRecords(scope.scope, clock, timing)
  const timers = createTimers(clock)
  const { dispatch, announce, adopted, attach, detach } = dispatcher(keeper)
  /** A sibling's record, handed to the machine; kept in a private storage if the machine adopted it. */
  const adoptHeard = (tokens: TokenRecord, type: 'session.signedIn' | 'sibling.refreshed') => {
    announce(tokens, type)
    if (adopted(tokens)) void coordination.keepHeard(tokens.record)
  }
  const parts = { endpoint, coordination, storage, keeper, records, clock, timeout, warn, dispatch, announce, tokenType }

  const lifecycle = grantLifecycle(parts)
  const runner = refreshRunner({ ...parts, ready: lifecycle.committed })
  const flow = wire({ snapshot: () => actor.getSnapshot(), keeper, dispatch })
  const onTicket = (ticket: Ticket) => flow.sent(ticket)
  const desk = requestDesk({ current: keeper.current, dispatch, onTicket, clock, maxWait: timing.maxWait })
  const effects = sessionEffects({ ...parts, ...resolved, desk, runner, timers, adoptHeard, endGrant: lifecycle.endGrant })
  const input = { maxAttempts: timing.maxAttempts }
  const machine = sessionMachine.provide({ actions: effects })
  const actor = createActor(machine, options.inspect === undefined ? { input } : { input, inspect: options.inspect })
  attach(actor)
  actor.start()
  events.attach(actor)

  const unsubscribe = [
    followSiblings({ ...parts, adopt: adoptHeard, pendingSignIn: lifecycle.pendingSignIn }),
    resolved.environment.subscribe((change) => {
      if (change === 'visible') timers.catchUp()
      else dispatch({ type: change === 'online' ? 'network.online' : 'network.offline' })
    }),
  ]
  if (!resolved.environment.isOnline()) dispatch({ type: 'network.offline' })

  // Restore after the caller has had a chance to subscribe (`session.on`), so
  // a storage that fails at once still reaches its warning listeners.
  void Promise.resolve()
    .then(() => storage.load())
    .then((stored) =>
      stored ? announce(records.restored(stored, false), 'storage.loaded') : dispatch({ type: 'storage.empty' }),
    )

  let disposed = false
  const assertOpen = () => {
    if (disposed) throw new SessionDisposedError()
  }
  const dispose = () => {
    if (disposed) return
    disposed = true
    for (const stop of unsubscribe) stop()
    timers.clearAll()
    flow.stop()
    desk.rejectAll(new SessionDisposedError())
    detach()
    actor.stop()
    keeper.drop()
    events.close()
  }
  const { authorize, accessToken } = authorizer({ desk, wire: flow, now: () => clock.now(), assertOpen })
  const baseUrl = (globalThis as { location?: { href?: string } }).location?.href
  const { origins, isTokenRejected } = { ...resolved, isTokenRejected: options.isTokenRejected }

  return {
    fetch: authorizedFetch({
      adapter: fetchAdapter(options.fetch, tokenType),
      origins,
      baseUrl,
      authorize,
      assertOpen,
      isTokenRejected,
    }),
    send: authorizedSend(origins, baseUrl, authorize),
    getAccessToken: ({ signal, minValidity = 0 } = {}) => accessToken(minValidity, signal),
    allowsOrigin: (url) => URL.canParse(url, baseUrl) && origins.has(new URL(url, baseUrl).origin),
    async signIn(tokens, { grant } = {}) {
      assertOpen()
      if (grant !== undefined && !isGrantId(grant)) {
        throw new ConfigurationError('signIn: grant must be 16 to 128 characters of A-Z, a-z, 0-9, - and _.')
      }
      await lifecycle.signIn(tokens, grant)
    },
    async signOut() {
      assertOpen()
      await lifecycle.signOut(runner.latest())
    },
    on: events.on,
    scope: scope.scope,
    actor,
    dispose,
    [asyncDispose]: async () => dispose(),
  }
}

export type {
  RefreshFunction,
  SessionEventMap,
  SignInOptions,
  SignInTokens,
  TokenSession,
  TokenSessionOptions,
} from './session-options.js'
