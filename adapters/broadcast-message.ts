import type { BroadcastMessage, StoredTokens } from '../machines/ports.js'

// Anything on a shared channel may come from another version of this library,
// another app on the same origin or Redis, or a hand-typed PUBLISH: trust only
// what has the exact shape, and let the carrier drop the rest.

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isGeneration(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
}

function isStoredTokens(value: unknown): value is StoredTokens {
  return (
    isRecord(value) &&
    value.version === 1 &&
    typeof value.accessToken === 'string' &&
    (value.refreshToken === undefined || typeof value.refreshToken === 'string') &&
    (value.expiresAt === null || (typeof value.expiresAt === 'number' && Number.isFinite(value.expiresAt))) &&
    isGeneration(value.generation)
  )
}

/** True when `value` is a well-formed `BroadcastMessage`; carriers drop anything else. */
export function isBroadcastMessage(value: unknown): value is BroadcastMessage {
  if (!isRecord(value) || !isGeneration(value.generation)) return false
  if (value.type === 'tokens.changed') return value.tokens === undefined || isStoredTokens(value.tokens)
  if (value.type === 'session.ended') return value.reason === 'signedOut' || value.reason === 'expired'
  return false
}
