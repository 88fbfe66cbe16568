import type { LedgerEntry, StoredTokens } from '../machines/ports.js'

/** What the scope holds, as read under the lock. `undefined` means "could not say" (no ledger, a port that failed). */
export interface Truth {
  stored: StoredTokens | null | undefined
  ledger: LedgerEntry | null | undefined
  /** The newest record a sibling's message carried. */
  heard: StoredTokens | null
  /** The record, stored or heard, that matches the ledger entry (grant, generation and fingerprint). */
  confirmed: StoredTokens | null
}

export type Reconciled =
  /** This session holds the latest record: it may present its refresh token. */
  | { type: 'proceed' }
  /** A sibling already refreshed this grant: adopt its record instead of presenting a rotated-away token. */
  | { type: 'adopt'; record: StoredTokens }
  /** Another sign-in holds the scope now: follow it. */
  | { type: 'replaced'; record: StoredTokens }
  /** The scope holds no grant any more: it was signed out or expired elsewhere. */
  | { type: 'ended' }
  /** The ledger knows a newer record than storage shows yet. */
  | { type: 'behind' }

const newer = (candidate: StoredTokens | null | undefined, held: StoredTokens): candidate is StoredTokens =>
  candidate !== null && candidate !== undefined && candidate.grant === held.grant && candidate.generation > held.generation

/**
 * Decides, under the lock, whether the record this session holds is still the
 * scope's latest. Every write to the scope happens under the same lock, so
 * what storage holds (confirmed by the ledger where storage may lag) is the
 * truth; a record a sibling only broadcast counts where storage lags behind it.
 */
export function reconcile(held: StoredTokens, truth: Truth): Reconciled {
  const { stored, ledger, heard, confirmed } = truth
  if (ledger) {
    if (ledger.grant === held.grant && ledger.generation <= held.generation) return { type: 'proceed' }
    if (confirmed === null) return { type: 'behind' }
    return confirmed.grant === held.grant ? { type: 'adopt', record: confirmed } : { type: 'replaced', record: confirmed }
  }
  if (stored === null) return { type: 'ended' }
  if (stored !== undefined && stored.grant !== held.grant) return { type: 'replaced', record: stored }
  if (newer(stored, held)) return { type: 'adopt', record: stored }
  if (newer(heard, held)) return { type: 'adopt', record: heard }
  return { type: 'proceed' }
}
