import type { Clock, StoredTokens, TokenSet } from '../machines/ports.js'
import type { TokenMetadata } from '../machines/session.types.js'
import { freshTiming, restoredTiming, type RefreshTiming } from './refresh-timing.js'

/** A record to keep and share, and the metadata the machine hears about it. */
export interface TokenRecord {
  record: StoredTokens
  metadata: TokenMetadata
}

/** A random grant id: 16 bytes (128 bits) from the platform's CSPRNG, base64url. */
export function mintGrantId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16))
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '')
}

/**
 * Turns token sets into records of `scope`: a sign-in starts a grant at
 * generation 1, a refresh continues it. Records keep the expiry as wall-clock
 * time (it must survive a reload); the machine gets it on the monotonic clock.
 */
export function tokenRecords(scope: string, clock: Clock, timing: RefreshTiming) {
  function fromSet(set: TokenSet, grant: string, generation: number, previousRefreshToken?: string): TokenRecord {
    const receivedAt = clock.now()
    const { expiresAt, refreshAt } = freshTiming(set.expiresIn, receivedAt, timing)
    // RFC 6749 §6: no new refresh token means the old one stays valid.
    const refreshToken = set.refreshToken ?? previousRefreshToken
    const record: StoredTokens = {
      version: 2,
      scope,
      grant,
      generation,
      accessToken: set.accessToken,
      expiresAt: expiresAt === null ? null : clock.wallNow() + (expiresAt - receivedAt),
    }
    if (refreshToken !== undefined) record.refreshToken = refreshToken
    return { record, metadata: { grant, generation, expiresAt, refreshAt, hasRefreshToken: refreshToken !== undefined } }
  }

  return {
    /** A new grant. */
    /** A new grant's first record; its id is minted here unless the caller made one ahead (`prepareGrant`). */
    fromSignIn: (set: TokenSet, grant: string = mintGrantId()): TokenRecord => fromSet(set, grant, 1),
    /** The next generation of `previous`'s grant. */
    fromRefresh: (set: TokenSet, previous: StoredTokens): TokenRecord =>
      fromSet(set, previous.grant, previous.generation + 1, previous.refreshToken),
    /** A record read back from storage, or (`arrivedNow`) just adopted from a sibling; its lifetime is measured from now. */
    restored(record: StoredTokens, arrivedNow: boolean): TokenRecord {
      const remaining = record.expiresAt === null ? null : record.expiresAt - clock.wallNow()
      return {
        record,
        metadata: {
          grant: record.grant,
          generation: record.generation,
          ...restoredTiming(remaining, clock.now(), timing, arrivedNow),
          hasRefreshToken: record.refreshToken !== undefined,
        },
      }
    },
  }
}

export type TokenRecords = ReturnType<typeof tokenRecords>
