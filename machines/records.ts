/**
 * One validation for everything a session reads that another may have
 * written: a stored record, a ledger entry, a broadcast message. Storage,
 * ledger and channels are outside our control (another version of the app, a
 * user's devtools, a hand-typed PUBLISH, a forger on the channel), so anything
 * that is not exactly what this library writes, for this scope, is dropped.
 */
import type { BroadcastMessage, LedgerEntry, StoredTokens } from './ports.js'

/**
 * Generations above this are refused: a forged or corrupted record cannot pin
 * a session at a number nothing real can exceed. One refresh a second for 68
 * years stays below it.
 */
export const MAX_GENERATION = 2 ** 31 - 1

/** Longest token accepted, in characters: far above real JWTs, far below a memory problem. */
export const MAX_TOKEN_LENGTH = 64 * 1024

// RFC 6750 §2.1: b64token is a subset of 0x21-0x7E; a space or control character would split or break the header.
const HEADER_SAFE = /^[\x21-\x7E]+$/
// RFC 6749 A.17: refresh-token = 1*VSCHAR, spaces included; it never travels in a header.
const VSCHAR = /^[\x20-\x7E]+$/
// What `signIn` mints: 16 random bytes, base64url. Other writers may use any id of this alphabet.
const GRANT_ID = /^[A-Za-z0-9_-]{16,128}$/

/** True for a string that can follow `Bearer ` in an Authorization header. */
export function isHeaderSafe(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_TOKEN_LENGTH && HEADER_SAFE.test(value)
}

/** True for a string of visible ASCII and spaces (RFC 6749 VSCHAR). */
export function isVisibleAscii(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_TOKEN_LENGTH && VSCHAR.test(value)
}

export function isGrantId(value: unknown): value is string {
  return typeof value === 'string' && GRANT_ID.test(value)
}

export function isGeneration(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 1 && value <= MAX_GENERATION
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** The scope, grant and generation every shared item carries, checked against the reader's scope. */
function isOwnedBy(value: Record<string, unknown>, scope: string): boolean {
  return value.version === 2 && value.scope === scope && isGrantId(value.grant) && isGeneration(value.generation)
}

/** A stored record of `scope`, rebuilt member by member (nothing unknown is kept), or null. */
export function parseStoredTokens(value: unknown, scope: string): StoredTokens | null {
  if (!isObject(value) || !isOwnedBy(value, scope)) return null
  const { grant, generation, accessToken, refreshToken, expiresAt } = value as Record<string, unknown> & StoredTokens
  if (!isHeaderSafe(accessToken)) return null
  if (refreshToken !== undefined && !isVisibleAscii(refreshToken)) return null
  if (expiresAt !== null && !(typeof expiresAt === 'number' && Number.isFinite(expiresAt))) return null
  const record: StoredTokens = { version: 2, scope, grant, generation, accessToken, expiresAt }
  if (refreshToken !== undefined) record.refreshToken = refreshToken
  return record
}

/** A ledger entry of `scope`, or null. */
export function parseLedgerEntry(value: unknown, scope: string): LedgerEntry | null {
  if (!isObject(value) || !isOwnedBy(value, scope)) return null
  const { grant, generation, fingerprint } = value as Record<string, unknown> & LedgerEntry
  if (typeof fingerprint !== 'string' || fingerprint.length > 64) return null
  return { version: 2, scope, grant, generation, fingerprint }
}

/**
 * A message of `scope`, or null. A message that carries tokens must carry a
 * valid record that agrees with it on grant and generation.
 */
export function parseBroadcastMessage(value: unknown, scope: string): BroadcastMessage | null {
  if (!isObject(value) || value.scope !== scope || !isGrantId(value.grant)) return null
  const { type, grant } = value as { type: unknown; grant: string }
  if (type === 'session.ended') {
    const { reason } = value
    return reason === 'signedOut' || reason === 'expired' ? { type, scope, grant, reason } : null
  }
  if (type !== 'session.started' && type !== 'tokens.changed') return null
  const { generation } = value
  if (!isGeneration(generation)) return null
  if (value.tokens === undefined) return { type, scope, grant, generation }
  const tokens = parseStoredTokens(value.tokens, scope)
  if (tokens === null || tokens.grant !== grant || tokens.generation !== generation) return null
  return { type, scope, grant, generation, tokens }
}
