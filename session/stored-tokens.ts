import type { StoredTokens } from '../machines/ports.js'

const headerSafe = /^[\x21-\x7E]+$/
const visibleAscii = /^[\x20-\x7E]+$/

/**
 * Validates what a storage returned. Storage is outside our control (another
 * version of the app, a user's devtools, a corrupted write), so anything that
 * is not exactly a record this library wrote is discarded.
 */
export function parseStoredTokens(value: unknown): StoredTokens | null {
  if (typeof value !== 'object' || value === null) return null
  const record = value as Record<string, unknown>
  const { accessToken, refreshToken, expiresAt, generation } = record
  if (record.version !== 1) return null
  if (typeof accessToken !== 'string' || !headerSafe.test(accessToken)) return null
  if (refreshToken !== undefined && (typeof refreshToken !== 'string' || !visibleAscii.test(refreshToken))) return null
  if (expiresAt !== null && (typeof expiresAt !== 'number' || !Number.isFinite(expiresAt))) return null
  if (typeof generation !== 'number' || !Number.isSafeInteger(generation) || generation < 0) return null
  return refreshToken === undefined
    ? { version: 1, accessToken, expiresAt, generation }
    : { version: 1, accessToken, refreshToken, expiresAt, generation }
}
