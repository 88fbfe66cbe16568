import { emit } from 'xstate'
import { wireKey } from './session.guards.js'
import { initialContext, sessionSetup } from './session.setup.js'
import type { EndReason, SessionContext, TokenMetadata } from './session.types.js'

type Tokens = { event: TokenMetadata }
type Request = { event: { id: number } }
type TokenOf = { event: { grant: string; generation: number } }
type Settle = { event: { grant: string; generation: number; replay: boolean } }
type Rejection = { event: { grant: string; generation: number; counted: boolean } }

// Parameters, read from the event once, here: actions and guards never look at the event type.
const tokenOf = ({ event }: TokenOf) => ({ grant: event.grant, generation: event.generation })
const tokensOf = ({ event }: Tokens): TokenMetadata => ({
  grant: event.grant,
  generation: event.generation,
  expiresAt: event.expiresAt,
  refreshAt: event.refreshAt,
  hasRefreshToken: event.hasRefreshToken,
})
const nowOf = ({ event }: { event: { now: number } }) => ({ now: event.now })

const admit = { type: 'admit', params: ({ event }: Request) => ({ id: event.id }) } as const
const park = { type: 'park', params: ({ event }: Request) => ({ id: event.id }) } as const
const decline = { type: 'decline', params: ({ event }: Request) => ({ id: event.id }) } as const
const refuse = (reason: EndReason) => ({ type: 'refuse', params: ({ event }: Request) => ({ id: event.id, reason }) }) as const
const countRejected = {
  type: 'countRejected',
  params: ({ event }: Rejection) => ({ key: wireKey(event.grant, event.generation), counted: event.counted }),
} as const
const countSettled = {
  type: 'countSettled',
  params: ({ event }: Settle) => ({ key: wireKey(event.grant, event.generation), replay: event.replay }),
} as const
const scheduleRefresh = {
  type: 'scheduleRefresh',
  params: ({ context }: { context: SessionContext }) => ({
    grant: context.grant ?? '',
    generation: context.generation,
    at: context.refreshAt,
  }),
} as const
/** Make the announced token set the one in use, and arm its proactive refresh. */
const adopt = [{ type: 'recordTokens', params: tokensOf }, { type: 'adoptTokens', params: tokenOf }, scheduleRefresh] as const

const isForeignToken = { type: 'isForeignToken', params: tokenOf } as const
const isStaleToken = { type: 'isStaleToken', params: tokenOf } as const
const isCurrentGrant = {
  type: 'isCurrentGrant',
  params: ({ event }: { event: { grant?: string } }) => ({ grant: event.grant }),
} as const

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
    // A new grant, this session's or a sibling's: what was parked belonged to the old one.
    'session.signedIn': {
      target: '.active',
      actions: [{ type: 'rejectParked', params: { reason: 'replaced' } }, 'emptyParked', ...adopt],
    },
    'session.signedOut': {
      guard: isCurrentGrant,
      target: '.signedOut',
      actions: [
        { type: 'rejectParked', params: { reason: 'signedOut' } },
        'emptyParked',
        'dropTokens',
        'forgetTokens',
        emit({ type: 'signedOut' }),
      ],
    },
    'request.settled': { actions: countSettled },
    'network.online': { actions: { type: 'recordOnline', params: { online: true } } },
    'network.offline': { actions: { type: 'recordOnline', params: { online: false } } },
  },
  states: {
    restoring: {
      on: {
        // Requests parked during the restore have not been sent yet: they go
        // out as first sends, keeping their one replay for a stale stored token.
        'storage.loaded': { target: 'active', actions: [...adopt, 'admitParked', 'countAdmitted'] },
        'session.signedIn': { target: 'active', actions: [...adopt, 'admitParked', 'countAdmitted'] },
        'storage.empty': {
          target: 'signedOut',
          actions: [{ type: 'rejectParked', params: { reason: 'signedOut' } }, 'emptyParked'],
        },
        'request.sent': { actions: [park, 'countParked'] },
        'request.withdrawn': { actions: 'countWithdrawn' },
      },
    },
    signedOut: {
      on: {
        'request.sent': { actions: refuse('signedOut') },
        'token.rejected': { actions: [countRejected, refuse('signedOut')] },
      },
    },
    active: {
      initial: 'idle',
      on: {
        'request.sent': [
          { guard: { type: 'mustParkForRefresh', params: nowOf }, target: 'refreshing', actions: [park, 'countParked'] },
          { actions: ['countSent', admit] },
        ],
        'token.rejected': [
          // Sent for a grant that a sign-in has replaced since: its 401 is the caller's, not ours to fix.
          { guard: isForeignToken, actions: [countRejected, decline] },
          // A sibling request already replaced the token this one was sent with.
          { guard: isStaleToken, target: '.retrying', actions: [countRejected, 'countReplayed', admit] },
          { guard: 'hasRefreshToken', target: 'refreshing', actions: [countRejected, 'markRejected', park, 'countParked'] },
          {
            target: 'expired',
            actions: [
              countRejected,
              refuse('expired'),
              { type: 'endGrant', params: ({ context }) => ({ reason: 'expired' as const, grant: context.grant }) },
            ],
          },
        ],
        // Proactive: the token is still good, so nobody is parked for this refresh.
        'refresh.due': { guard: { type: 'isRefreshDue', params: tokenOf }, target: 'refreshing' },
        'sibling.refreshed': { guard: { type: 'isNewerToken', params: tokenOf }, actions: adopt },
        'sibling.expired': { guard: isCurrentGrant, target: 'expired' },
      },
      states: {
        // Nothing on the wire. Entered from elsewhere with requests still out
        // (a refresh released its parked ones), it hands over at once.
        idle: {
          always: [
            { guard: 'isReplaying', target: 'retrying' },
            { guard: 'hasRequestsInFlight', target: 'requesting' },
          ],
        },
        // First sends on the wire.
        requesting: {
          on: {
            'request.settled': [
              { guard: { type: 'isLastOnWire', params: () => ({ counted: true }) }, target: 'idle', actions: countSettled },
              { actions: countSettled },
            ],
            'token.rejected': {
              guard: {
                type: 'isLastForeignToken',
                params: ({ event }) => ({ grant: event.grant, generation: event.generation, counted: event.counted }),
              },
              target: 'idle',
              actions: [countRejected, decline],
            },
          },
        },
        // Replays on the wire (after a stale 401, or released by a refresh).
        retrying: {
          on: {
            'request.settled': [
              {
                guard: { type: 'isLastReplay', params: ({ event }) => ({ replay: event.replay, alone: true }) },
                target: 'idle',
                actions: countSettled,
              },
              {
                guard: { type: 'isLastReplay', params: ({ event }) => ({ replay: event.replay, alone: false }) },
                target: 'requesting',
                actions: countSettled,
              },
              { actions: countSettled },
            ],
          },
        },
      },
    },
    refreshing: {
      // One renewal, however many attempts: requests that cannot use the
      // current token are parked here for its outcome, all sharing one wait.
      // The proactive timer is spent either way: new tokens bring a new one.
      initial: 'locking',
      entry: [
        'forgetRefreshAt',
        {
          type: 'scheduleRefresh',
          params: ({ context }) => ({ grant: context.grant ?? '', generation: context.generation, at: null }),
        },
      ],
      exit: 'cancelRefresh',
      on: {
        'request.sent': [
          { guard: { type: 'isTokenUsable', params: nowOf }, actions: ['countSent', admit] },
          { actions: [park, 'countParked'] },
        ],
        'token.rejected': [
          { guard: isForeignToken, actions: [countRejected, decline] },
          {
            guard: { type: 'isStaleWhileUsable', params: tokenOf },
            actions: [countRejected, 'countReplayed', admit],
          },
          { actions: [countRejected, 'markRejected', park, 'countParked'] },
        ],
        'request.withdrawn': { actions: 'countWithdrawn' },
        // A sibling refreshed first: adopt its tokens instead of presenting a refresh token it already rotated.
        'sibling.refreshed': {
          guard: { type: 'isNewerToken', params: tokenOf },
          target: 'active',
          actions: [
            ...adopt,
            'releaseParked',
            'countReleased',
            emit(({ event }) => ({ type: 'refreshed', generation: event.generation })),
          ],
        },
        'sibling.expired': { guard: isCurrentGrant, target: 'expired' },
        // From waiting for the lock (LOCK_TIMEOUT, LOCK_LOST) or from the exchange.
        'refresh.failed': [
          // No network: wait for one instead of burning an attempt.
          { guard: 'isOffline', target: '.offline', actions: 'refundAttempt' },
          {
            guard: { type: 'canAttemptAgain', params: ({ event }) => ({ code: event.code }) },
            target: '.backingOff',
            actions: [
              {
                type: 'scheduleNextAttempt',
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
              { type: 'failParked', params: ({ event }) => ({ code: event.code }) },
              'emptyParked',
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
              actions: [
                ...adopt,
                'releaseParked',
                'countReleased',
                emit(({ event }) => ({ type: 'refreshed', generation: event.generation })),
              ],
            },
            'refresh.rejected': { target: '#tokenSession.expired' },
          },
        },
        backingOff: {
          exit: 'cancelNextAttempt',
          on: { 'attempt.due': [{ guard: 'isOffline', target: 'offline' }, { target: 'locking' }] },
        },
        offline: {
          on: { 'network.online': { target: 'locking', actions: { type: 'recordOnline', params: { online: true } } } },
        },
      },
    },
    expired: {
      entry: [
        { type: 'rejectParked', params: { reason: 'expired' } },
        'emptyParked',
        'dropTokens',
        'forgetTokens',
        'navigateToLogin',
        emit({ type: 'expired' }),
      ],
      on: {
        'request.sent': { actions: refuse('expired') },
        'token.rejected': { actions: [countRejected, refuse('expired')] },
      },
    },
  },
})
