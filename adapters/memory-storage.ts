import type { StoredTokens, TokenStorage } from '../machines/ports.js'

/**
 * Keeps the tokens in this JavaScript realm only: gone on reload, and out of
 * reach of any script that reads web storage. That makes it the safest place
 * (see "OAuth 2.0 for Browser-Based Applications", token storage). The default.
 */
export function memoryStorage(): TokenStorage {
  let record: StoredTokens | null = null
  return {
    load: () => record,
    save: (tokens) => {
      record = tokens
    },
    clear: () => {
      record = null
    },
  }
}
