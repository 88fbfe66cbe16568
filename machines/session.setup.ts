import { assign, setup } from 'xstate'
import type {
  EndReason,
  RefreshFailureCode,
  SessionContext,
  SessionEmitted,
  SessionEvent,
  SessionInput,
  TokenMetadata,
} from './session.types.js'

type RequestParams = { id: number }
type EndParams = { reason: EndReason }
type TokenParams = { grant: string; generation: number }

/** Failures worth another attempt: they may pass on their own. A malformed answer will not. */
const transientCodes: ReadonlySet<RefreshFailureCode> = new Set([
  'NETWORK',
  'TIMEOUT',
  'SERVER_ERROR',
  'RATE_LIMITED',
  'LOCK_TIMEOUT',
  'LOCK_LOST',
])

/** The key of `inFlight`: requests are counted by the grant and generation of the token they carry. */
export function wireKey(grant: string, generation: number): string {
  return `${generation}@${grant}`
}

function adjust(inFlight: Record<string, number>, key: string, by: number): Record<string, number> {
  const next = { ...inFlight }
  const count = (next[key] ?? 0) + by
  if (count > 0) next[key] = count
  else delete next[key]
  return next
}

const currentKey = (context: SessionContext) => wireKey(context.grant ?? '', context.generation)

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
    park: (_, _params: RequestParams) => {},
    /** Refuse request `id`: the session cannot authorize it. */
    refuse: (_, _params: RequestParams & EndParams) => {},
    /** Hand request `id` back to its caller with the answer it got: it was sent for a grant the session no longer holds. */
    decline: (_, _params: RequestParams) => {},
    /** Send every parked request with the current access token, as its one replay. */
    releaseParked: () => {},
    /** Send every parked request with the current access token, as its first send. */
    admitParked: () => {},
    /** Reject every parked request because the session ended or changed hands. */
    rejectParked: (_, _params: EndParams) => {},
    /** Reject every parked request because the refresh failed for good, without ending the session. */
    failParked: (_, _params: { code: RefreshFailureCode }) => {},
    /** Make the token set announced by the current event the one in use. */
    adoptTokens: (_, _params: TokenParams) => {},
    /** Forget the tokens held in memory. Storage is the business of whoever ended the grant. */
    dropTokens: () => {},
    /** Tell the scope the grant ended and clear it from storage and ledger, if they still hold it. */
    endGrant: (_, _params: { reason: 'expired'; grant: string | null }) => {},
    /** Arm the proactive refresh timer for the current tokens (at `refreshAt`). */
    scheduleRefresh: (_, _params: TokenParams & { at: number | null }) => {},
    /** Ask the token endpoint for a new token set (RFC 6749 §6), under the coordination lock. */
    startRefresh: () => {},
    /** Abandon a refresh in flight; its late result must not be adopted, stored or published. */
    cancelRefresh: () => {},
    /** Arm the backoff timer before attempt `attempt + 1`, honouring `retryAfter` seconds. */
    scheduleNextAttempt: (_, _params: { attempt: number; retryAfter: number | undefined }) => {},
    cancelNextAttempt: () => {},
    /** Send the user to sign in again. */
    navigateToLogin: () => {},
    countSent: assign({ inFlight: ({ context }) => adjust(context.inFlight, currentKey(context), 1) }),
    countSettled: assign(({ context }, { key, replay }: { key: string; replay: boolean }) =>
      replay ? { replaying: context.replaying - 1 } : { inFlight: adjust(context.inFlight, key, -1) },
    ),
    countRejected: assign({ inFlight: ({ context }, { key }: { key: string }) => adjust(context.inFlight, key, -1) }),
    markRejected: assign({ tokenRejected: true }),
    countParked: assign({ parked: ({ context }) => context.parked + 1 }),
    countWithdrawn: assign({ parked: ({ context }) => context.parked - 1 }),
    countReplayed: assign({ replaying: ({ context }) => context.replaying + 1 }),
    countReleased: assign({ replaying: ({ context }) => context.replaying + context.parked, parked: 0 }),
    countAdmitted: assign({
      inFlight: ({ context }) => adjust(context.inFlight, currentKey(context), context.parked),
      parked: 0,
    }),
    /** Parked requests were all rejected: none is parked any more. */
    emptyParked: assign({ parked: 0 }),
    countAttempt: assign({ attempt: ({ context }) => context.attempt + 1 }),
    resetAttempts: assign({ attempt: 0 }),
    refundAttempt: assign({ attempt: ({ context }) => context.attempt - 1 }),
    recordTokens: assign((_, tokens: TokenMetadata) => ({ ...tokens, tokenRejected: false, attempt: 0 })),
    forgetTokens: assign({
      grant: null,
      expiresAt: null,
      refreshAt: null,
      hasRefreshToken: false,
      tokenRejected: false,
      attempt: 0,
    }),
    forgetRefreshAt: assign({ refreshAt: null }),
    recordOnline: assign((_, { online }: { online: boolean }) => ({ online })),
  },
  guards: {
    /** The 401 answered a token of a grant the session no longer holds: a sign-in replaced it. */
    isForeignToken: ({ context, event }) => event.type === 'token.rejected' && event.grant !== context.grant,
    /** The 401 answered an older token of this grant than the one now held: replay, don't refresh. */
    isStaleToken: ({ context, event }) =>
      event.type === 'token.rejected' && event.grant === context.grant && event.generation < context.generation,
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
    /** A sibling's tokens replace ours only if they are of our grant and newer: generations only move forward. */
    isNewerToken: ({ context, event }) =>
      event.type === 'sibling.refreshed' && event.grant === context.grant && event.generation > context.generation,
    isCurrentToken: ({ context, event }) =>
      event.type === 'refresh.due' && event.grant === context.grant && event.generation === context.generation,
    /** An ending names the grant it ends (or none: this session's own sign-out); another grant's end is not ours. */
    isCurrentGrant: ({ context, event }) =>
      (event.type === 'session.signedOut' || event.type === 'sibling.expired') &&
      (event.grant === undefined || event.grant === context.grant),
    /** Another attempt is allowed: a transient failure and attempts left. */
    canAttemptAgain: ({ context, event }) =>
      event.type === 'refresh.failed' && transientCodes.has(event.code) && context.attempt < context.maxAttempts,
    isOffline: ({ context }) => !context.online,
    isReplaying: ({ context }) => context.replaying > 0,
    hasRequestsInFlight: ({ context }) => Object.keys(context.inFlight).length > 0 || context.replaying > 0,
  },
})

export function initialContext(input: SessionInput | undefined): SessionContext {
  return {
    grant: null,
    generation: 0,
    expiresAt: null,
    refreshAt: null,
    hasRefreshToken: false,
    inFlight: {},
    parked: 0,
    replaying: 0,
    tokenRejected: false,
    attempt: 0,
    maxAttempts: input?.maxAttempts ?? 4,
    online: true,
  }
}
