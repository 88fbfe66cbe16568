import { and, emit, not } from 'xstate'
import { initialContext, sessionSetup } from './session.setup.js'

const admit = { type: 'admit', params: ({ event }: { event: { id: number } }) => ({ id: event.id }) } as const
const enqueue = { type: 'enqueue', params: ({ event }: { event: { id: number } }) => ({ id: event.id }) } as const
const scheduleRefresh = {
  type: 'scheduleRefresh',
  params: ({ context }: { context: { generation: number; refreshAt: number | null } }) => ({
    generation: context.generation,
    at: context.refreshAt,
  }),
} as const
const adoptAndRelease = ['recordTokens', 'adoptTokens', 'releaseWaiting', 'countReleased', scheduleRefresh] as const
const adoptAndAdmit = ['recordTokens', 'adoptTokens', 'admitWaiting', 'countAdmitted', scheduleRefresh] as const

/**
 * The session statechart. It decides; it does nothing. Every effect is a named
 * action ([session.setup.ts](./session.setup.ts)) whose real implementation
 * `createTokenSession` provides; outcomes of those effects, and time itself,
 * come back as events. No `invoke`, no `after`: the machine stays a pure
 * transition function that `xstate/graph` can walk exhaustively.
 */
export const sessionMachine = sessionSetup.createMachine({
  id: 'tokenSession',
  context: ({ input }) => initialContext(input),
  initial: 'restoring',
  on: {
    'session.signedIn': { target: '.active', actions: adoptAndRelease },
    'session.signedOut': {
      target: '.signedOut',
      actions: [
        { type: 'rejectWaiting', params: { reason: 'signedOut' } },
        'countRefused',
        'clearTokens',
        'forgetTokens',
        emit({ type: 'signedOut' }),
      ],
    },
    'request.settled': { actions: 'countSettled' },
    'network.online': { actions: 'recordOnline' },
    'network.offline': { actions: 'recordOnline' },
  },
  states: {
    restoring: {
      on: {
        // Requests parked during the restore have not been sent yet: they go
        // out as first sends, keeping their one replay for a stale stored token.
        'storage.loaded': { target: 'active', actions: adoptAndAdmit },
        'session.signedIn': { target: 'active', actions: adoptAndAdmit },
        'storage.empty': {
          target: 'signedOut',
          actions: [{ type: 'rejectWaiting', params: { reason: 'signedOut' } }, 'countRefused'],
        },
        'request.sent': { actions: [enqueue, 'countParked'] },
        'request.aborted': { actions: 'countAborted' },
      },
    },
    signedOut: {
      on: {
        'request.sent': { actions: { type: 'refuse', params: ({ event }) => ({ id: event.id, reason: 'signedOut' }) } },
        'token.rejected': {
          actions: ['countRejected', { type: 'refuse', params: ({ event }) => ({ id: event.id, reason: 'signedOut' }) }],
        },
      },
    },
    active: {
      initial: 'idle',
      on: {
        'request.sent': [
          { guard: and(['isTokenExpired', 'hasRefreshToken']), target: 'refreshing', actions: [enqueue, 'countParked'] },
          { actions: ['countSent', admit] },
        ],
        'token.rejected': [
          // A sibling request already replaced the token this one was sent with.
          { guard: 'isStaleToken', actions: ['countRejected', 'countReplayed', admit] },
          { guard: 'hasRefreshToken', target: 'refreshing', actions: ['countRejected', 'markRejected', enqueue, 'countParked'] },
          {
            target: 'expired',
            actions: ['countRejected', { type: 'refuse', params: ({ event }) => ({ id: event.id, reason: 'expired' }) }],
          },
        ],
        // Proactive: the token is still good, so nobody waits for this refresh.
        'refresh.due': { guard: and(['isCurrentToken', 'hasRefreshToken']), target: 'refreshing' },
        'sibling.refreshed': { guard: 'isNewerToken', actions: adoptAndRelease },
        'sibling.expired': { target: 'expired' },
      },
      states: {
        idle: {
          always: [
            { guard: 'isRetrying', target: 'retrying' },
            { guard: 'hasRequestsInFlight', target: 'requesting' },
          ],
        },
        requesting: {
          always: [
            { guard: 'isRetrying', target: 'retrying' },
            { guard: not('hasRequestsInFlight'), target: 'idle' },
          ],
        },
        retrying: { always: { guard: not('isRetrying'), target: 'requesting' } },
      },
    },
    refreshing: {
      // One renewal, however many attempts: requests that cannot use the
      // current token wait here for its outcome, all sharing one wait. The
      // proactive timer is spent either way: new tokens bring a new one.
      initial: 'locking',
      entry: [
        'forgetRefreshAt',
        { type: 'scheduleRefresh', params: ({ context }) => ({ generation: context.generation, at: null }) },
      ],
      exit: 'cancelRefresh',
      on: {
        'request.sent': [{ guard: 'isTokenUsable', actions: ['countSent', admit] }, { actions: [enqueue, 'countParked'] }],
        'token.rejected': [
          { guard: and(['isStaleToken', 'isTokenUsable']), actions: ['countRejected', 'countReplayed', admit] },
          { actions: ['countRejected', 'markRejected', enqueue, 'countParked'] },
        ],
        'request.aborted': { actions: 'countAborted' },
        // A sibling refreshed first: adopt its tokens instead of presenting a refresh token it already rotated.
        'sibling.refreshed': {
          guard: 'isNewerToken',
          target: 'active',
          actions: [...adoptAndRelease, emit(({ event }) => ({ type: 'refreshed', generation: event.generation }))],
        },
        'sibling.expired': { target: 'expired' },
        // From waiting for the lock (LOCK_TIMEOUT) or from the exchange.
        'refresh.failed': [
          // No network: wait for one instead of burning an attempt.
          { guard: 'isOffline', target: '.offline', actions: 'refundAttempt' },
          {
            guard: 'canRetry',
            target: '.backingOff',
            actions: [
              {
                type: 'scheduleRetry',
                params: ({ context, event }) => ({ attempt: context.attempt, retryAfter: event.retryAfter }),
              },
              emit(({ context, event }) => ({
                type: 'refreshFailed',
                code: event.code,
                attempt: context.attempt,
                willRetry: true,
              })),
            ],
          },
          {
            target: 'active',
            actions: [
              { type: 'failWaiting', params: ({ event }) => ({ code: event.code }) },
              'countRefused',
              emit(({ context, event }) => ({
                type: 'refreshFailed',
                code: event.code,
                attempt: context.attempt,
                willRetry: false,
              })),
              'resetAttempts',
            ],
          },
        ],
      },
      states: {
        // Waiting for the coordination lock: siblings sharing the grant refresh one at a time.
        locking: {
          entry: ['countAttempt', 'startRefresh'],
          on: { 'lock.acquired': { target: 'exchanging' } },
        },
        exchanging: {
          on: {
            'refresh.succeeded': {
              target: '#tokenSession.active',
              actions: [...adoptAndRelease, emit(({ event }) => ({ type: 'refreshed', generation: event.generation }))],
            },
            'refresh.rejected': { target: '#tokenSession.expired' },
          },
        },
        backingOff: {
          exit: 'cancelRetry',
          on: { 'retry.due': [{ guard: 'isOffline', target: 'offline' }, { target: 'locking' }] },
        },
        offline: {
          on: { 'network.online': { target: 'locking', actions: 'recordOnline' } },
        },
      },
    },
    expired: {
      entry: [
        { type: 'rejectWaiting', params: { reason: 'expired' } },
        'countRefused',
        'clearTokens',
        'forgetTokens',
        'navigateToLogin',
        emit({ type: 'expired' }),
      ],
      on: {
        'request.sent': { actions: { type: 'refuse', params: ({ event }) => ({ id: event.id, reason: 'expired' }) } },
        'token.rejected': {
          actions: ['countRejected', { type: 'refuse', params: ({ event }) => ({ id: event.id, reason: 'expired' }) }],
        },
      },
    },
  },
})
