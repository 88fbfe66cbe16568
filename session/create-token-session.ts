import { createActor } from 'xstate'
import { fetchAdapter } from '../adapters/fetch.js'
import { SessionDisposedError } from '../machines/errors.js'
import { sessionMachine } from '../machines/session.machine.js'
import type { SessionEvent } from '../machines/session.types.js'
import { authorizedFetch } from './authorized-fetch.js'
import { authorizer } from './authorize.js'
import { coordination as createCoordination, scopeOf } from './coordination.js'
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
import { wire } from './wire.js'

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
  const { endpoint, origins, navigation, timing, clock, random, environment, userStorage } = resolveOptions(options, warn)
  const coordinationOptions = options.coordination ?? {}
  const scope = scopeOf(coordinationOptions, userStorage)
  const storage = guardedStorage(userStorage, scope.scope, timing.timeout, clock, warn)
  const timers = createTimers(clock)
  const keeper = tokenKeeper()
  const records = tokenRecords(scope.scope, clock, timing)
  const shared = createCoordination({ options: coordinationOptions, scope, storage, clock, timeout: timing.timeout, warn })

  let disposed = false
  let depth = 0
  /** Sends an event; false when it was only queued because the actor is mid-transition. */
  const dispatch = (event: SessionEvent): boolean => {
    if (disposed) return true
    if (depth > 0) {
      actor.send(event)
      return false
    }
    depth++
    try {
      actor.send(event)
    } finally {
      depth--
      keeper.endSend()
    }
    return true
  }
  const announce = (
    tokens: TokenRecord,
    type: 'storage.loaded' | 'session.signedIn' | 'refresh.succeeded' | 'sibling.refreshed',
  ) => {
    keeper.stage(tokens.record)
    dispatch({ type, ...tokens.metadata })
  }
  /** A sibling's record, handed to the machine; kept in a private storage if the machine adopted it. */
  const adoptHeard = (tokens: TokenRecord, type: 'session.signedIn' | 'sibling.refreshed') => {
    announce(tokens, type)
    if (keeper.current() === tokens.record) void shared.keepHeard(tokens.record)
  }

  const lifecycle = grantLifecycle({
    endpoint,
    coordination: shared,
    keeper,
    records,
    timeout: timing.timeout,
    clock,
    warn,
    announce,
    dispatch,
  })
  const runner = refreshRunner({
    endpoint,
    coordination: shared,
    records,
    clock,
    timeout: timing.timeout,
    ready: lifecycle.committed,
  })
  const flow = wire({ snapshot: () => actor.getSnapshot(), keeper, dispatch })
  const desk = requestDesk({
    current: keeper.current,
    dispatch,
    onTicket: (ticket) => flow.sent(ticket),
    clock,
    maxWait: timing.maxWait,
  })
  const machine = sessionMachine.provide({
    actions: sessionEffects({
      keeper,
      desk,
      runner,
      records,
      timers,
      timing,
      navigation,
      random,
      now: () => clock.now(),
      warn,
      dispatch,
      announce,
      adoptHeard,
      endGrant: lifecycle.endGrant,
    }),
  })
  const input = { maxAttempts: timing.maxAttempts }
  const actor = createActor(machine, options.inspect === undefined ? { input } : { input, inspect: options.inspect })
  actor.start()
  events.attach(actor)

  const unsubscribe = [
    followSiblings({
      coordination: shared,
      storage,
      keeper,
      records,
      adopt: adoptHeard,
      dispatch,
      pendingSignIn: lifecycle.pendingSignIn,
      warn,
    }),
    environment.subscribe((change) => {
      if (change === 'visible') timers.catchUp()
      else dispatch({ type: change === 'online' ? 'network.online' : 'network.offline' })
    }),
  ]
  if (!environment.isOnline()) dispatch({ type: 'network.offline' })

  // Restore after the caller has had a chance to subscribe (`session.on`), so
  // a storage that fails at once still reaches its warning listeners.
  void Promise.resolve()
    .then(() => storage.load())
    .then((stored) =>
      stored ? announce(records.restored(stored, false), 'storage.loaded') : dispatch({ type: 'storage.empty' }),
    )

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
    actor.stop()
    keeper.drop()
    events.close()
  }

  return {
    fetch: authorizedFetch({
      adapter: fetchAdapter(options.fetch),
      origins,
      baseUrl: (globalThis as { location?: { href?: string } }).location?.href,
      authorize: authorizer({ desk, wire: flow, now: () => clock.now(), assertOpen }),
      assertOpen,
    }),
    async signIn(tokens) {
      assertOpen()
      await lifecycle.signIn(tokens)
    },
    async signOut() {
      assertOpen()
      await lifecycle.signOut(runner.latest())
    },
    on: events.on,
    actor,
    dispose,
    [asyncDispose]: async () => dispose(),
  }
}

export type { RefreshFunction, SessionEventMap, SignInTokens, TokenSession, TokenSessionOptions } from './session-options.js'
