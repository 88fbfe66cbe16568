import type { RefreshFailureCode } from './errors.js'
import type { SessionContext } from './session.types.js'

/**
 * The statechart's questions, as plain functions of the context and the
 * parameters the transition passes. `session.setup.ts` registers them by
 * name; the session calls the same functions where it reads a snapshot to
 * skip an event (`canJoinBurst`), so a decision is never made by a copy.
 */

type Context = { context: SessionContext }
type Token = { grant: string; generation: number }

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

const onWire = (context: SessionContext) => {
  let total = context.replaying
  for (const key in context.inFlight) total += context.inFlight[key] ?? 0
  return total
}

/**
 * Checked at the moment of use: a timer may fire late after sleep or in a
 * background tab, but no request goes out with a token known to be expired.
 */
const isTokenExpired = ({ expiresAt, refreshAt }: SessionContext, now: number) =>
  expiresAt !== null && now >= expiresAt && (refreshAt === null || now >= refreshAt)

const guards = {
  /** A request must wait for new tokens: the held one is known expired at `now`, and a refresh token can renew it. */
  mustParkForRefresh: ({ context }: Context, { now }: { now: number }) => isTokenExpired(context, now) && context.hasRefreshToken,
  /** The 401 answered a token of a grant the session no longer holds: a sign-in replaced it. */
  isForeignToken: ({ context }: Context, { grant }: Token) => grant !== context.grant,
  /** The 401 answered an older token of this grant than the one now held: replay, don't refresh. */
  isStaleToken: ({ context }: Context, { grant, generation }: Token) =>
    grant === context.grant && generation < context.generation,
  hasRefreshToken: ({ context }: Context) => context.hasRefreshToken,
  /**
   * During a refresh, requests may still use the current token if nobody saw
   * it rejected and it has not expired (`now` is null for a 401, which has no moment of use).
   */
  isTokenUsable: ({ context }: Context, { now }: { now: number | null }) =>
    !context.tokenRejected && !(now !== null && context.expiresAt !== null && now >= context.expiresAt),
  /** A sibling's tokens replace ours only if they are of our grant and newer: generations only move forward. */
  isNewerToken: ({ context }: Context, { grant, generation }: Token) =>
    grant === context.grant && generation > context.generation,
  isCurrentToken: ({ context }: Context, { grant, generation }: Token) =>
    grant === context.grant && generation === context.generation,
  /** An ending names the grant it ends, or none (this session's own sign-out); another grant's end is not ours. */
  isCurrentGrant: ({ context }: Context, { grant }: { grant: string | undefined }) =>
    grant === undefined || grant === context.grant,
  /** Another attempt is allowed: a transient failure and attempts left. */
  canAttemptAgain: ({ context }: Context, { code }: { code: RefreshFailureCode }) =>
    transientCodes.has(code) && context.attempt < context.maxAttempts,
  isOffline: ({ context }: Context) => !context.online,
  isReplaying: ({ context }: Context) => context.replaying > 0,
  hasRequestsInFlight: ({ context }: Context) => onWire(context) > 0,
  /** The request leaving the wire is the last one the chart counts there. */
  isLastOnWire: ({ context }: Context, { counted }: { counted: boolean }) => counted && onWire(context) === 1,
  /** The replay leaving the wire is the last replay; `alone` asks that no first send remain either. */
  isLastReplay: ({ context }: Context, { replay, alone }: { replay: boolean; alone: boolean }) =>
    replay && context.replaying === 1 && (!alone || onWire(context) === 1),
}

/** The primitives, and the few conjunctions the chart asks, each under a name of its own. */
export const sessionGuards = {
  ...guards,
  /** The proactive timer of the held token fired, and a refresh token can renew it. */
  isRefreshDue: (args: Context, token: Token) => guards.isCurrentToken(args, token) && guards.hasRefreshToken(args),
  /** The last request on the wire came back 401 for a replaced grant. */
  isLastForeignToken: (args: Context, { grant, generation, counted }: Token & { counted: boolean }) =>
    guards.isForeignToken(args, { grant, generation }) && guards.isLastOnWire(args, { counted }),
  /** A 401 for an older token of this grant, while the held one may still be used: replay it now. */
  isStaleWhileUsable: (args: Context, token: Token) =>
    guards.isStaleToken(args, token) && guards.isTokenUsable(args, { now: null }),
}

/**
 * Whether a request may go out with the held token without telling the
 * machine: the session is `active`, a first send of that very token is
 * already counted on the wire (so `requesting` is already the truth), and the
 * machine would admit it (`mustParkForRefresh` is false). Sending
 * `request.sent` then would change nothing but a count; the session counts
 * such requests itself and settles them with the counted one.
 */
export function canJoinBurst(state: { context: SessionContext; value: unknown }, now: number): boolean {
  const { context } = state
  if (typeof state.value !== 'object' || state.value === null || !('active' in state.value) || context.grant === null) {
    return false
  }
  return (
    (context.inFlight[wireKey(context.grant, context.generation)] ?? 0) > 0 &&
    !sessionGuards.mustParkForRefresh({ context }, { now })
  )
}
