import { assign, setup } from 'xstate'
import { sessionGuards, wireKey } from './session.guards.js'
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
    /** A first send came back 401: it leaves the wire, if the chart counted it there (one that joined a burst was not). */
    countRejected: assign({
      inFlight: ({ context }, { key, counted }: { key: string; counted: boolean }) =>
        counted ? adjust(context.inFlight, key, -1) : context.inFlight,
    }),
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
  guards: sessionGuards,
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
