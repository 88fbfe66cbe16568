import { assign, setup } from 'xstate'
import type {
  EndReason,
  RefreshFailureCode,
  SessionContext,
  SessionEmitted,
  SessionEvent,
  SessionInput,
} from './session.types.js'

type RequestParams = { id: number }
type EndParams = { reason: EndReason }

/** Failures worth another attempt: they may pass on their own. A malformed answer will not. */
const transientCodes: ReadonlySet<RefreshFailureCode> = new Set([
  'NETWORK',
  'TIMEOUT',
  'SERVER_ERROR',
  'RATE_LIMITED',
  'LOCK_TIMEOUT',
])

function adjust(inFlight: Record<number, number>, generation: number, by: number): Record<number, number> {
  const next = { ...inFlight }
  const count = (next[generation] ?? 0) + by
  if (count > 0) next[generation] = count
  else delete next[generation]
  return next
}

/**
 * The statechart's vocabulary: every action and guard, by name. Effects are
 * placeholders that do nothing; `createTokenSession` provides the real ones
 * (`machine.provide({ actions })`), so the machine itself stays pure.
 */
export const sessionSetup = setup({
  types: {
    context: {} as SessionContext,
    events: {} as SessionEvent,
    emitted: {} as SessionEmitted,
    input: undefined as SessionInput | undefined,
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
    /** Reject every parked request because the refresh failed for good, without ending the session. */
    failWaiting: (_, _params: { code: RefreshFailureCode }) => {},
    /** Make the token set announced by the current event the one in use. */
    adoptTokens: () => {},
    /** Forget the tokens, in memory and in storage. */
    clearTokens: () => {},
    /** Arm the proactive refresh timer for the current tokens (at `refreshAt`). */
    scheduleRefresh: (_, _params: { generation: number; at: number | null }) => {},
    /** Ask the token endpoint for a new token set (RFC 6749 §6). */
    startRefresh: () => {},
    /** Abandon a refresh in flight; its late result must not be adopted. */
    cancelRefresh: () => {},
    /** Arm the backoff timer before attempt `attempt + 1`, honouring `retryAfter` seconds. */
    scheduleRetry: (_, _params: { attempt: number; retryAfter: number | undefined }) => {},
    cancelRetry: () => {},
    /** Send the user to sign in again. */
    navigateToLogin: () => {},
    countSent: assign({ inFlight: ({ context }) => adjust(context.inFlight, context.generation, 1) }),
    countSettled: assign(({ context, event }) => {
      if (event.type !== 'request.settled') return {}
      if (event.replay) return { retrying: Math.max(0, context.retrying - 1) }
      return { inFlight: adjust(context.inFlight, event.generation, -1) }
    }),
    countRejected: assign({
      inFlight: ({ context, event }) =>
        event.type === 'token.rejected' ? adjust(context.inFlight, event.generation, -1) : context.inFlight,
    }),
    markRejected: assign({ tokenRejected: true }),
    countParked: assign({ waiting: ({ context }) => context.waiting + 1 }),
    countAborted: assign({ waiting: ({ context }) => Math.max(0, context.waiting - 1) }),
    countReplayed: assign({ retrying: ({ context }) => context.retrying + 1 }),
    countReleased: assign({ retrying: ({ context }) => context.retrying + context.waiting, waiting: 0 }),
    countAdmitted: assign({
      inFlight: ({ context }) => adjust(context.inFlight, context.generation, context.waiting),
      waiting: 0,
    }),
    countRefused: assign({ waiting: 0 }),
    countAttempt: assign({ attempt: ({ context }) => context.attempt + 1 }),
    resetAttempts: assign({ attempt: 0 }),
    refundAttempt: assign({ attempt: ({ context }) => Math.max(0, context.attempt - 1) }),
    recordTokens: assign(({ event }) =>
      event.type === 'storage.loaded' ||
      event.type === 'session.signedIn' ||
      event.type === 'refresh.succeeded' ||
      event.type === 'sibling.refreshed'
        ? {
            generation: event.generation,
            expiresAt: event.expiresAt,
            refreshAt: event.refreshAt,
            hasRefreshToken: event.hasRefreshToken,
            tokenRejected: false,
            attempt: 0,
          }
        : {},
    ),
    forgetTokens: assign({ expiresAt: null, refreshAt: null, hasRefreshToken: false, tokenRejected: false, attempt: 0 }),
    forgetRefreshAt: assign({ refreshAt: null }),
    recordOnline: assign({ online: ({ event }) => event.type !== 'network.offline' }),
  },
  guards: {
    /** The 401 answered a token older than the one now held: replay, don't refresh. */
    isStaleToken: ({ context, event }) => event.type === 'token.rejected' && event.generation < context.generation,
    hasRefreshToken: ({ context }) => context.hasRefreshToken,
    /**
     * Checked at the moment of use: a timer may fire late after sleep or in a
     * background tab, but no request goes out with a token known to be expired.
     */
    isTokenExpired: ({ context, event }) =>
      event.type === 'request.sent' &&
      context.expiresAt !== null &&
      event.now >= context.expiresAt &&
      (context.refreshAt === null || event.now >= context.refreshAt),
    /** During a refresh, requests may still use the current token if nobody saw it rejected and it has not expired. */
    isTokenUsable: ({ context, event }) =>
      !context.tokenRejected && !(event.type === 'request.sent' && context.expiresAt !== null && event.now >= context.expiresAt),
    /** A sibling's tokens replace ours only if they are newer: generations only move forward. */
    isNewerToken: ({ context, event }) => event.type === 'sibling.refreshed' && event.generation > context.generation,
    isCurrentToken: ({ context, event }) => event.type === 'refresh.due' && event.generation === context.generation,
    /** Another attempt is allowed: a transient failure, attempts left, and a network to try on. */
    canRetry: ({ context, event }) =>
      event.type === 'refresh.failed' && transientCodes.has(event.code) && context.attempt < context.maxAttempts,
    isOffline: ({ context }) => !context.online,
    isRetrying: ({ context }) => context.retrying > 0,
    hasRequestsInFlight: ({ context }) => Object.keys(context.inFlight).length > 0 || context.retrying > 0,
  },
})

export function initialContext(input: SessionInput | undefined): SessionContext {
  return {
    generation: 0,
    expiresAt: null,
    refreshAt: null,
    hasRefreshToken: false,
    inFlight: {},
    waiting: 0,
    retrying: 0,
    tokenRejected: false,
    attempt: 0,
    maxAttempts: input?.maxAttempts ?? 4,
    online: true,
  }
}
