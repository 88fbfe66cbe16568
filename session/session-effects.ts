import { NotSignedInError, RefreshError, SessionExpiredError } from '../machines/errors.js'
import type { Clock, Navigation } from '../machines/ports.js'
import type { sessionMachine } from '../machines/session.machine.js'
import type { EndReason, SessionEvent } from '../machines/session.types.js'
import type { RefreshOutcome, RefreshRunner } from './refresh-runner.js'
import { backoffDelay, type RefreshTiming } from './refresh-timing.js'
import type { RequestDesk } from './request-desk.js'
import type { Timers } from './timers.js'
import type { TokenKeeper } from './token-keeper.js'
import type { TokenRecord, TokenRecords } from './token-records.js'
import type { Warn } from './warnings.js'

export type SessionActions = NonNullable<Parameters<typeof sessionMachine.provide>[0]['actions']>

export interface EffectParts {
  keeper: TokenKeeper
  desk: RequestDesk
  runner: RefreshRunner
  records: TokenRecords
  timers: Timers
  timing: RefreshTiming
  navigation: Navigation
  random: () => number
  clock: Pick<Clock, 'now'>
  warn: Warn
  dispatch: (event: SessionEvent) => boolean
  /** Hands tokens to the machine with the event that announces them. */
  announce: (tokens: TokenRecord, type: 'refresh.succeeded') => void
  /** Hands a sibling's record to the machine (and keeps it, if the machine adopted it). */
  adoptHeard: (tokens: TokenRecord, type: 'sibling.refreshed' | 'session.signedIn') => void
  /** Ends `grant` for the scope under the lock (storage, ledger, broadcast). */
  endGrant: (grant: string, reason: 'signedOut' | 'expired') => Promise<void>
}

/**
 * The machine's effects, as `createTokenSession` provides them: what each
 * named action of [session.setup.ts](../machines/session.setup.ts) does in the
 * world. Outcomes come back to the machine as events.
 */
export function sessionEffects(parts: EffectParts) {
  const { keeper, desk, runner, timers, timing, warn, dispatch } = parts
  /** The failure the machine was last told about, with its full detail. */
  let lastError: RefreshError | undefined

  function endError(reason: EndReason): Error {
    if (reason === 'signedOut') return new NotSignedInError('The session was signed out; sign in again to continue.')
    if (reason === 'replaced')
      return new NotSignedInError('Another sign-in replaced the session this request waited on; it was not sent.')
    // The refusal that ended the grant, when a refresh ended it (not a 401 without refresh token).
    return new SessionExpiredError(undefined, lastError?.code === 'INVALID_GRANT' ? { cause: lastError } : {})
  }

  function deliver(outcome: RefreshOutcome, grant: string): void {
    switch (outcome.type) {
      case 'refreshed':
        return parts.announce(outcome.tokens, 'refresh.succeeded')
      case 'adopted':
        return parts.adoptHeard(parts.records.restored(outcome.record, true), 'sibling.refreshed')
      case 'replaced':
        return parts.adoptHeard(parts.records.restored(outcome.record, true), 'session.signedIn')
      case 'ended':
        void dispatch({ type: 'sibling.expired', grant })
        return
      case 'rejected':
        lastError = outcome.error
        void dispatch({ type: 'refresh.rejected' })
        return
      case 'failed': {
        lastError = outcome.error
        const { code, retryAfter } = outcome.error
        void dispatch({
          type: 'refresh.failed',
          code: code === 'INVALID_GRANT' ? 'OAUTH_ERROR' : code,
          ...(retryAfter === undefined ? {} : { retryAfter }),
        })
      }
    }
  }

  const actions: SessionActions = {
    admit: (_, { id }) => desk.admit(id),
    park: (_, { id }) => desk.park(id),
    refuse: (_, { id, reason }) => desk.refuse(id, endError(reason)),
    decline: (_, { id }) => desk.decline(id),
    releaseParked: () => desk.releaseParked(true),
    admitParked: () => desk.releaseParked(false),
    rejectParked: (_, { reason }) => desk.rejectParked(endError(reason)),
    failParked: (_, { code }) => desk.rejectParked(lastError ?? new RefreshError('The refresh failed; try again.', { code })),
    adoptTokens: (_, { grant, generation }) => keeper.adopt(grant, generation),
    dropTokens: () => {
      keeper.drop()
      timers.clear('refresh')
    },
    endGrant: (_, { grant }) => {
      if (grant !== null) void parts.endGrant(grant, 'expired')
    },
    scheduleRefresh: (_, { grant, generation, at }) => {
      if (!timing.proactive || at === null) return timers.clear('refresh')
      timers.set('refresh', Math.max(0, at - parts.clock.now()), () => dispatch({ type: 'refresh.due', grant, generation }))
    },
    scheduleNextAttempt: (_, { attempt, retryAfter }) =>
      timers.set('attempt', backoffDelay(attempt, retryAfter, parts.random, timing), () => dispatch({ type: 'attempt.due' })),
    cancelNextAttempt: () => timers.clear('attempt'),
    startRefresh: () => {
      const held = keeper.current()
      if (held?.refreshToken === undefined) return
      const { grant } = held
      void runner
        .start({ ...held, refreshToken: held.refreshToken }, () => dispatch({ type: 'lock.acquired' }))
        .then((outcome) => deliver(outcome, grant))
    },
    cancelRefresh: () => runner.abandon(),
    // Deferred so a navigation callback that calls back into the session
    // meets a machine that has finished its transition.
    navigateToLogin: () =>
      queueMicrotask(() => {
        try {
          parts.navigation.toLogin({ reason: 'expired' })
        } catch (error) {
          warn('NAVIGATION_FAILED', 'The navigation adapter threw while sending the user to sign in.', error)
        }
      }),
  }
  return actions
}
