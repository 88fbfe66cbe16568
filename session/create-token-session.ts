import { createActor } from 'xstate'
import { systemClock } from '../adapters/clock.js'
import { defaultEnvironment } from '../adapters/environment.js'
import { fetchAdapter } from '../adapters/fetch.js'
import { memoryStorage } from '../adapters/memory-storage.js'
import { noNavigation } from '../adapters/navigation.js'
import { parseTokenResponse, validateTokenSet } from '../adapters/token-response.js'
import { ConfigurationError, NotSignedInError, RefreshError, SessionExpiredError } from '../machines/errors.js'
import type { StoredTokens, TokenEndpoint, TokenSet } from '../machines/ports.js'
import { sessionMachine } from '../machines/session.machine.js'
import type { EndReason, SessionEmitted, SessionEvent, TokenMetadata } from '../machines/session.types.js'
import { allowedOrigins } from './allowed-origins.js'
import { authorizedFetch } from './authorized-fetch.js'
import { guardedStorage } from './guarded-storage.js'
import { refreshRunner } from './refresh-runner.js'
import { backoffDelay, freshTiming, resolveTiming, restoredTiming } from './refresh-timing.js'
import { requestDesk } from './request-desk.js'
import type { RefreshFunction, SignInTokens, TokenSession, TokenSessionOptions } from './session-options.js'
import { siblings } from './siblings.js'
import { timers as createTimers } from './timers.js'
import type { SessionWarning } from './warnings.js'

function normalizeEndpoint(endpoint: TokenEndpoint | RefreshFunction | undefined): TokenEndpoint {
  if (typeof endpoint === 'function') return { refresh: endpoint }
  if (typeof endpoint?.refresh !== 'function') {
    throw new ConfigurationError(
      'createTokenSession needs a tokenEndpoint: oauth2TokenEndpoint({ url, clientId }), jsonTokenEndpoint({ url }) or an async function.',
    )
  }
  return endpoint
}

function parseSignIn(tokens: SignInTokens): TokenSet {
  return typeof tokens === 'object' && tokens !== null && 'access_token' in tokens
    ? parseTokenResponse(tokens)
    : validateTokenSet(tokens)
}

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
  const endpoint = normalizeEndpoint(options.tokenEndpoint)
  const origins = allowedOrigins(options.allowedOrigins, options.allowInsecureHttp ?? false)
  const navigation = options.navigation ?? noNavigation()
  const timing = resolveTiming(options.refresh)
  const clock = options.clock ?? systemClock()
  const environment = options.environment ?? defaultEnvironment()
  const random = options.random ?? Math.random
  const timers = createTimers(clock)

  const warningListeners = new Set<(warning: SessionWarning) => void>()
  const warn = (warning: SessionWarning) => {
    for (const listener of warningListeners) queueMicrotask(() => listener(warning))
  }
  const userStorage = options.storage ?? memoryStorage()
  const storage = guardedStorage(userStorage, warn)

  // The vault: the only place tokens live. The machine sees their metadata.
  let vault: StoredTokens | null = null
  const staged = new Map<number, StoredTokens>()
  let highestGeneration = 0
  let lastClear: Promise<void> = Promise.resolve()

  let depth = 0
  /** Sends an event; false when it was only queued because the actor is mid-transition. */
  const dispatch = (event: SessionEvent): boolean => {
    if (depth > 0) {
      actor.send(event)
      return false
    }
    depth++
    try {
      actor.send(event)
    } finally {
      depth--
    }
    return true
  }
  const handOver = (tokens: StoredTokens, event: SessionEvent) => {
    staged.set(tokens.generation, tokens)
    if (dispatch(event)) staged.delete(tokens.generation)
  }
  /** A token set that arrived just now, as a record to store (wall-clock expiry) and metadata for the machine (monotonic). */
  const toRecord = (set: TokenSet, previousRefreshToken?: string) => {
    const receivedAt = clock.now()
    const { expiresAt, refreshAt } = freshTiming(set.expiresIn, receivedAt, timing)
    // RFC 6749 §6: no new refresh token means the old one stays valid.
    const refreshToken = set.refreshToken ?? previousRefreshToken
    const record: StoredTokens = {
      version: 1,
      accessToken: set.accessToken,
      ...(refreshToken === undefined ? {} : { refreshToken }),
      expiresAt: expiresAt === null ? null : clock.wallNow() + (expiresAt - receivedAt),
      generation: ++highestGeneration,
    }
    const metadata: TokenMetadata = {
      generation: record.generation,
      expiresAt,
      refreshAt,
      hasRefreshToken: refreshToken !== undefined,
    }
    return { record, metadata }
  }

  const desk = requestDesk(() => {
    if (vault === null) throw new Error('Internal error: a request was admitted without tokens.')
    return vault
  }, dispatch)
  const others = siblings(options.coordination, storage, userStorage)
  /** Adopts a stored record: read back at startup, or left by a sibling tab or process (already in the shared storage). */
  const adoptStored = (record: StoredTokens, type: 'storage.loaded' | 'sibling.refreshed') => {
    highestGeneration = Math.max(highestGeneration, record.generation)
    const remaining = record.expiresAt === null ? null : record.expiresAt - clock.wallNow()
    handOver(record, {
      type,
      generation: record.generation,
      ...restoredTiming(remaining, clock.now(), timing),
      hasRefreshToken: record.refreshToken !== undefined,
    })
  }
  const adoptSibling = (record: StoredTokens) => adoptStored(record, 'sibling.refreshed')
  const runner = refreshRunner({
    endpoint,
    storage,
    clock,
    timeout: timing.timeout,
    lock: others.lock,
    lockName: others.lockName,
    lockTimeout: others.lockTimeout,
    newerSibling: () => others.newerThan(vault?.generation ?? 0),
    toRecord: (set, refreshToken) => toRecord(set, refreshToken),
    announce: (record, metadata) => handOver(record, { type: 'refresh.succeeded', ...metadata }),
    adoptSibling,
    publish: (record) => others.publish({ type: 'tokens.changed', generation: record.generation, tokens: record }),
    dispatch,
  })

  const endError = (reason: EndReason) => {
    if (reason === 'signedOut') return new NotSignedInError('The session was signed out; sign in again to continue.')
    // The refusal that ended the grant, when a refresh ended it (not a 401 without refresh token).
    const refusal = runner.lastError()
    return new SessionExpiredError(undefined, refusal?.code === 'INVALID_GRANT' ? { cause: refusal } : {})
  }

  const machine = sessionMachine.provide({
    actions: {
      admit: (_, { id }) => desk.admit(id),
      enqueue: (_, { id }) => desk.park(id),
      refuse: (_, { id, reason }) => desk.refuse(id, endError(reason)),
      releaseWaiting: () => desk.releaseParked(true),
      admitWaiting: () => desk.releaseParked(false),
      rejectWaiting: (_, { reason }) => desk.rejectParked(endError(reason)),
      failWaiting: (_, { code }) =>
        desk.rejectParked(runner.lastError() ?? new RefreshError('The refresh failed; try again.', { code })),
      adoptTokens: ({ event }) => {
        if (!('generation' in event)) return
        vault = staged.get(event.generation) ?? vault
        staged.delete(event.generation)
      },
      clearTokens: () => {
        vault = null
        staged.clear()
        timers.clear('refresh')
        lastClear = storage.clear()
      },
      scheduleRefresh: (_, { generation, at }) => {
        if (!timing.proactive || at === null) return timers.clear('refresh')
        timers.set('refresh', Math.max(0, at - clock.now()), () => dispatch({ type: 'refresh.due', generation }))
      },
      scheduleRetry: (_, { attempt, retryAfter }) =>
        timers.set('retry', backoffDelay(attempt, retryAfter, random, timing), () => dispatch({ type: 'retry.due' })),
      cancelRetry: () => timers.clear('retry'),
      startRefresh: () => {
        if (vault?.refreshToken !== undefined) runner.start(vault.refreshToken)
      },
      cancelRefresh: () => runner.cancel(),
      // Deferred so a navigation callback that calls back into the session
      // meets a machine that has finished its transition.
      navigateToLogin: () =>
        queueMicrotask(() => {
          try {
            navigation.toLogin({ reason: 'expired' })
          } catch (error) {
            warn({
              code: 'NAVIGATION_FAILED',
              message: 'The navigation adapter threw while sending the user to sign in.',
              cause: error,
            })
          }
        }),
    },
  })
  const input = { maxAttempts: timing.maxAttempts }
  const actor = createActor(machine, options.inspect === undefined ? { input } : { input, inspect: options.inspect })
  actor.start()

  // What the siblings say: newer tokens to adopt, or the end of the session everywhere.
  let endedBySibling = false
  others.listen((message) => {
    if (message.type === 'tokens.changed') {
      if (message.generation <= (vault?.generation ?? 0)) return
      if (message.tokens) adoptSibling(message.tokens)
      else void others.newerThan(vault?.generation ?? 0).then((record) => record && adoptSibling(record))
      return
    }
    endedBySibling = true
    dispatch(message.reason === 'expired' ? { type: 'sibling.expired' } : { type: 'session.signedOut' })
    endedBySibling = false
  })
  actor.on('expired', () => {
    if (!endedBySibling) void others.publish({ type: 'session.ended', reason: 'expired', generation: vault?.generation ?? 0 })
  })

  if (!environment.isOnline()) dispatch({ type: 'network.offline' })
  environment.subscribe((change) => {
    if (change === 'visible') timers.catchUp()
    else dispatch({ type: change === 'online' ? 'network.online' : 'network.offline' })
  })

  // Restore after the caller has had a chance to subscribe (`session.on`), so
  // a storage that fails at once still reaches its warning listeners.
  void Promise.resolve()
    .then(() => storage.load())
    .then((stored) => {
      if (stored === null) {
        dispatch({ type: 'storage.empty' })
        return
      }
      adoptStored(stored, 'storage.loaded')
    })

  return {
    fetch: authorizedFetch({
      adapter: fetchAdapter(options.fetch),
      origins,
      baseUrl: (globalThis as { location?: { href?: string } }).location?.href,
      desk,
      dispatch,
      now: () => clock.now(),
    }),

    async signIn(tokens) {
      const { record, metadata } = toRecord(parseSignIn(tokens))
      handOver(record, { type: 'session.signedIn', ...metadata })
      await storage.save(record)
    },

    async signOut() {
      const refreshToken = vault?.refreshToken
      const generation = vault?.generation ?? 0
      dispatch({ type: 'session.signedOut' })
      // Signing out here signs out every tab and instance sharing the grant.
      await others.publish({ type: 'session.ended', reason: 'signedOut', generation })
      // RFC 7009 §2.1: revoking the refresh token ends the grant at the server too.
      if (endpoint.revoke !== undefined && refreshToken !== undefined) {
        try {
          await endpoint.revoke(refreshToken, { tokenTypeHint: 'refresh_token', signal: AbortSignal.timeout(10_000) })
        } catch (error) {
          warn({
            code: 'REVOCATION_FAILED',
            message: 'The refresh token could not be revoked at the server; the local session is cleared anyway.',
            cause: error,
          })
        }
      }
      await lastClear
    },

    on(type, listener) {
      if (type === 'warning') {
        const onWarning = listener as (warning: SessionWarning) => void
        warningListeners.add(onWarning)
        return () => warningListeners.delete(onWarning)
      }
      const subscription = actor.on(type, (event) => queueMicrotask(() => (listener as (event: SessionEmitted) => void)(event)))
      return () => subscription.unsubscribe()
    },

    actor,
  }
}

export type { RefreshFunction, SessionEventMap, SignInTokens, TokenSession, TokenSessionOptions } from './session-options.js'
