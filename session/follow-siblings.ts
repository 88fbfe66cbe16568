import type { BroadcastMessage, StoredTokens } from '../machines/ports.js'
import type { SessionEvent } from '../machines/session.types.js'
import type { Coordination } from './coordination.js'
import type { GuardedStorage } from './guarded-storage.js'
import type { TokenKeeper } from './token-keeper.js'
import type { TokenRecord, TokenRecords } from './token-records.js'
import type { Warn } from './warnings.js'

export interface FollowParts {
  coordination: Coordination
  storage: GuardedStorage
  keeper: TokenKeeper
  records: TokenRecords
  /** Hands a sibling's record to the machine (and keeps it, if the machine adopted it). */
  adopt: (tokens: TokenRecord, type: 'sibling.refreshed' | 'session.signedIn') => void
  dispatch: (event: SessionEvent) => boolean
  /** The grant of a sign-in of ours that is not yet committed: it will replace whatever the siblings say. */
  pendingSignIn: () => string | undefined
  warn: Warn
}

/**
 * What the siblings say, turned into events: a newer record of our grant, a
 * new sign-in to follow, the end of a grant. Whether an event applies is the
 * machine's call (`isNewerToken`, `isCurrentGrant`). A message without its
 * record (Redis, the storage-event fallback) is followed by re-reading the
 * storage, which those carriers write before they publish.
 */
export function followSiblings({ coordination, storage, keeper, records, adopt, dispatch, pendingSignIn, warn }: FollowParts) {
  /** The record a message announces: carried, or re-read from storage. */
  async function recordOf(message: { grant: string; generation: number; tokens?: StoredTokens }): Promise<StoredTokens | null> {
    if (message.tokens) return message.tokens
    const stored = await storage.load()
    return stored && stored.grant === message.grant && stored.generation >= message.generation ? stored : null
  }

  async function follow(message: BroadcastMessage): Promise<void> {
    const held = keeper.current()
    switch (message.type) {
      case 'session.ended':
        dispatch(
          message.reason === 'expired'
            ? { type: 'sibling.expired', grant: message.grant }
            : { type: 'session.signedOut', grant: message.grant },
        )
        return
      case 'tokens.changed': {
        // Only a newer record of the grant we hold can matter; skip the storage read otherwise.
        if (held === null || held.grant !== message.grant || held.generation >= message.generation) return
        const record = await recordOf(message)
        if (record) adopt(records.restored(record, true), 'sibling.refreshed')
        return
      }
      case 'session.started': {
        if (held?.grant === message.grant || pendingSignIn() !== undefined) return
        const record = await recordOf(message)
        if (record) return adopt(records.restored(record, true), 'session.signedIn')
        // Keep no token of the grant that was replaced, even without the new one.
        warn('SIBLING_UNREADABLE', "A sibling's sign-in was heard but its record could not be read; this session signed out.")
        if (held) dispatch({ type: 'session.signedOut', grant: held.grant })
      }
    }
  }

  return coordination.listen((message) => void follow(message))
}
