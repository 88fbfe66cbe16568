import { parseTokenResponse, validateTokenSet } from '../adapters/token-response.js'
import type { Clock, TokenEndpoint, TokenSet } from '../machines/ports.js'
import type { SessionEvent } from '../machines/session.types.js'
import type { Coordination } from './coordination.js'
import { withinDeadline } from './port-deadline.js'
import type { RefreshOutcome } from './refresh-runner.js'
import type { SignInTokens } from './session-options.js'
import type { TokenKeeper } from './token-keeper.js'
import type { TokenRecord, TokenRecords } from './token-records.js'
import { assertTokenType, type TokenType } from './token-type.js'
import type { Warn } from './warnings.js'

export interface LifecycleParts {
  endpoint: TokenEndpoint
  coordination: Coordination
  keeper: TokenKeeper
  records: TokenRecords
  /** The deadline of every port call. */
  timeout: number
  clock: Clock
  warn: Warn
  /** What sign-in answers must be. */
  tokenType: TokenType
  announce: (tokens: TokenRecord, type: 'session.signedIn') => void
  dispatch: (event: SessionEvent) => boolean
}

function parseSignIn(tokens: SignInTokens, tokenType: TokenType): TokenSet {
  const parsed =
    typeof tokens === 'object' && tokens !== null && 'access_token' in tokens
      ? parseTokenResponse(tokens)
      : validateTokenSet(tokens)
  return assertTokenType(parsed, tokenType)
}

/**
 * A grant's beginning and end. Both are written to the scope under the lock,
 * like a refresh, so that the storage always holds the grant written last:
 * a sign-in commits its record and tells the siblings to follow it; an end
 * clears the grant from storage and ledger (never another grant's record)
 * and tells the siblings.
 */
export function grantLifecycle(parts: LifecycleParts) {
  const { coordination, keeper, warn, dispatch } = parts
  let pending: { grant: string; done: Promise<void> } | undefined

  async function underLock(what: string, task: () => Promise<void>): Promise<void> {
    const locked = await coordination.withLock(task)
    if (locked.ok) return
    warn('LOCK_UNAVAILABLE', `${what} could not take the coordination lock in time and went ahead without it.`, locked.error)
    await task()
  }

  const endGrant = (grant: string, reason: 'signedOut' | 'expired') =>
    underLock(reason === 'signedOut' ? 'Sign-out' : 'The end of the grant', () => coordination.end(grant, reason))

  /** The refresh token the server issued last for `grant`: the held one, or one a run in flight brought. */
  async function newestRefreshToken(grant: string, held: string | undefined, inFlight: Promise<RefreshOutcome> | undefined) {
    if (inFlight === undefined) return held
    const late = await withinDeadline(() => inFlight, parts.timeout, parts.clock)
    if (!late.ok) return held
    const outcome = late.value
    if (outcome.type === 'abandoned') return outcome.refreshToken ?? held
    if (outcome.type === 'refreshed' && outcome.tokens.record.grant === grant) return outcome.tokens.record.refreshToken ?? held
    return held
  }

  return {
    endGrant,
    /** The grant of a sign-in that is not yet committed to the scope. */
    pendingSignIn: (): string | undefined => pending?.grant,
    /** Resolves once no sign-in is waiting to be committed: a refresh must not run before its grant is stored. */
    committed: (): Promise<void> => pending?.done ?? Promise.resolve(),

    async signIn(tokens: SignInTokens, presetGrant?: string): Promise<void> {
      const fresh = parts.records.fromSignIn(parseSignIn(tokens, parts.tokenType), presetGrant)
      const { grant } = fresh.record
      parts.announce(fresh, 'session.signedIn')
      const done = underLock('Sign-in', async () => {
        // Signed out or signed in again meanwhile: this grant is nobody's, store nothing of it.
        if (keeper.current()?.grant === grant) await coordination.commit(fresh.record, 'session.started')
      })
      pending = { grant, done }
      try {
        await done
      } finally {
        if (pending?.done === done) pending = undefined
      }
    },

    async signOut(inFlight: Promise<RefreshOutcome> | undefined): Promise<void> {
      const held = keeper.current()
      dispatch({ type: 'session.signedOut' })
      if (held === null) return
      // Signing out here signs out every tab and instance of the scope.
      await endGrant(held.grant, 'signedOut')
      const { endpoint } = parts
      const refreshToken = await newestRefreshToken(held.grant, held.refreshToken, inFlight)
      if (endpoint.revoke === undefined || refreshToken === undefined) return
      // RFC 7009 §2.1: revoking the refresh token ends the grant at the server too.
      const signal = AbortSignal.timeout(parts.timeout)
      const revoked = await withinDeadline(
        () => endpoint.revoke?.(refreshToken, { tokenTypeHint: 'refresh_token', signal }),
        parts.timeout,
        parts.clock,
      )
      if (!revoked.ok) {
        warn(
          'REVOCATION_FAILED',
          'The refresh token could not be revoked at the server; the local session is cleared anyway.',
          revoked.error,
        )
      }
    },
  }
}
