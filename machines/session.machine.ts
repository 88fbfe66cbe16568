import { assign, emit, not, setup } from 'xstate'
import type {
  EndReason,
  RefreshFailureCode,
  SessionContext,
  SessionEmitted,
  SessionEvent,
  TokenMetadata,
} from './session.types.js'

type RequestParams = { id: number }
type EndParams = { reason: EndReason }

const initialContext: SessionContext = {
  generation: 0,
  expiresAt: null,
  hasRefreshToken: false,
  inFlight: {},
  waiting: 0,
  retrying: 0,
}

function adjust(inFlight: Record<number, number>, generation: number, by: number): Record<number, number> {
  const next = { ...inFlight }
  const count = (next[generation] ?? 0) + by
  if (count > 0) next[generation] = count
  else delete next[generation]
  return next
}

function metadataOf(event: TokenMetadata): TokenMetadata {
  return { generation: event.generation, expiresAt: event.expiresAt, hasRefreshToken: event.hasRefreshToken }
}

/**
 * The session statechart. It decides; it does nothing. Every effect is a named
 * action whose default does nothing, and `createTokenSession` provides the real
 * ones (`machine.provide({ actions })`). Outcomes of those effects come back as
 * events. No `invoke`, no `after`: the machine stays a pure transition function
 * that `xstate/graph` can walk exhaustively.
 */
export const sessionMachine = setup({
  types: {
    context: {} as SessionContext,
    events: {} as SessionEvent,
    emitted: {} as SessionEmitted,
  },
  actions: {
    /** Send request `id` now, with the current access token. */
    admit: (_, _params: RequestParams) => {},
    /** Park request `id` until the session can authorize it. */
    enqueue: (_, _params: RequestParams) => {},
    /** Refuse request `id`: the session cannot authorize it. */
    refuse: (_, _params: RequestParams & EndParams) => {},
    /** Send every parked request with the current access token, as its one replay. */
    releaseWaiting: () => {},
    /** Send every parked request with the current access token, as its first send. */
    admitWaiting: () => {},
    /** Reject every parked request because the session ended. */
    rejectWaiting: (_, _params: EndParams) => {},
    /** Reject every parked request because the refresh failed without ending the session. */
    failWaiting: (_, _params: { code: RefreshFailureCode }) => {},
    /** Make the token set announced by the current event the one in use. */
    adoptTokens: () => {},
    /** Forget the tokens, in memory and in storage. */
    clearTokens: () => {},
    /** Ask the token endpoint for a new token set (RFC 6749 §6). */
    startRefresh: () => {},
    /** Abandon a refresh in flight; its late result must not be adopted. */
    cancelRefresh: () => {},
    /** Send the user to sign in again. */
    navigateToLogin: () => {},
    countSent: assign({
      inFlight: ({ context }) => adjust(context.inFlight, context.generation, 1),
    }),
    countSettled: assign(({ context, event }) => {
      if (event.type !== 'request.settled') return {}
      if (event.replay) return { retrying: Math.max(0, context.retrying - 1) }
      return { inFlight: adjust(context.inFlight, event.generation, -1) }
    }),
    countRejected: assign({
      inFlight: ({ context, event }) =>
        event.type === 'token.rejected' ? adjust(context.inFlight, event.generation, -1) : context.inFlight,
    }),
    countParked: assign({ waiting: ({ context }) => context.waiting + 1 }),
    countAborted: assign({ waiting: ({ context }) => Math.max(0, context.waiting - 1) }),
    countReplayed: assign({ retrying: ({ context }) => context.retrying + 1 }),
    countReleased: assign({ retrying: ({ context }) => context.retrying + context.waiting, waiting: 0 }),
    countAdmitted: assign({
      inFlight: ({ context }) => adjust(context.inFlight, context.generation, context.waiting),
      waiting: 0,
    }),
    countRefused: assign({ waiting: 0 }),
    recordTokens: assign(({ event }) =>
      event.type === 'storage.loaded' || event.type === 'session.signedIn' || event.type === 'refresh.succeeded'
        ? metadataOf(event)
        : {},
    ),
    forgetTokens: assign({ expiresAt: null, hasRefreshToken: false }),
  },
  guards: {
    /** The 401 answered a token older than the one now held: replay, don't refresh. */
    isStaleToken: ({ context, event }) => event.type === 'token.rejected' && event.generation < context.generation,
    hasRefreshToken: ({ context }) => context.hasRefreshToken,
    isRetrying: ({ context }) => context.retrying > 0,
    hasRequestsInFlight: ({ context }) => Object.keys(context.inFlight).length > 0 || context.retrying > 0,
  },
}).createMachine({
  id: 'tokenSession',
  context: initialContext,
  initial: 'restoring',
  on: {
    'session.signedIn': {
      target: '.active',
      actions: ['recordTokens', 'adoptTokens', 'releaseWaiting', 'countReleased'],
    },
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
  },
  states: {
    restoring: {
      on: {
        // Requests parked during the restore have not been sent yet: they go
        // out as first sends, keeping their one replay for a stale stored token.
        'storage.loaded': {
          target: 'active',
          actions: ['recordTokens', 'adoptTokens', 'admitWaiting', 'countAdmitted'],
        },
        'session.signedIn': {
          target: 'active',
          actions: ['recordTokens', 'adoptTokens', 'admitWaiting', 'countAdmitted'],
        },
        'storage.empty': {
          target: 'signedOut',
          actions: [{ type: 'rejectWaiting', params: { reason: 'signedOut' } }, 'countRefused'],
        },
        'request.sent': {
          actions: [{ type: 'enqueue', params: ({ event }) => ({ id: event.id }) }, 'countParked'],
        },
        'request.aborted': { actions: 'countAborted' },
      },
    },
    signedOut: {
      on: {
        'request.sent': {
          actions: { type: 'refuse', params: ({ event }) => ({ id: event.id, reason: 'signedOut' }) },
        },
        'token.rejected': {
          actions: ['countRejected', { type: 'refuse', params: ({ event }) => ({ id: event.id, reason: 'signedOut' }) }],
        },
      },
    },
    active: {
      initial: 'idle',
      on: {
        'request.sent': {
          actions: ['countSent', { type: 'admit', params: ({ event }) => ({ id: event.id }) }],
        },
        'token.rejected': [
          {
            // A sibling request already replaced the token this one was sent with.
            guard: 'isStaleToken',
            actions: ['countRejected', 'countReplayed', { type: 'admit', params: ({ event }) => ({ id: event.id }) }],
          },
          {
            guard: 'hasRefreshToken',
            target: 'refreshing',
            actions: ['countRejected', { type: 'enqueue', params: ({ event }) => ({ id: event.id }) }, 'countParked'],
          },
          {
            target: 'expired',
            actions: ['countRejected', { type: 'refuse', params: ({ event }) => ({ id: event.id, reason: 'expired' }) }],
          },
        ],
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
        retrying: {
          always: { guard: not('isRetrying'), target: 'requesting' },
        },
      },
    },
    refreshing: {
      entry: 'startRefresh',
      exit: 'cancelRefresh',
      on: {
        'request.sent': {
          actions: [{ type: 'enqueue', params: ({ event }) => ({ id: event.id }) }, 'countParked'],
        },
        'token.rejected': {
          actions: ['countRejected', { type: 'enqueue', params: ({ event }) => ({ id: event.id }) }, 'countParked'],
        },
        'request.aborted': { actions: 'countAborted' },
        'refresh.succeeded': {
          target: 'active',
          actions: [
            'recordTokens',
            'adoptTokens',
            'releaseWaiting',
            'countReleased',
            emit(({ event }) => ({ type: 'refreshed', generation: event.generation, expiresAt: event.expiresAt })),
          ],
        },
        'refresh.failed': {
          target: 'active',
          actions: [
            { type: 'failWaiting', params: ({ event }) => ({ code: event.code }) },
            'countRefused',
            emit(({ event }) => ({ type: 'refreshFailed', code: event.code })),
          ],
        },
        'refresh.rejected': { target: 'expired' },
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
        'request.sent': {
          actions: { type: 'refuse', params: ({ event }) => ({ id: event.id, reason: 'expired' }) },
        },
        'token.rejected': {
          actions: ['countRejected', { type: 'refuse', params: ({ event }) => ({ id: event.id, reason: 'expired' }) }],
        },
      },
    },
  },
})
