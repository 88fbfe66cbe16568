import type { StoredTokens, TokenStorage } from '../machines/ports.js'

/**
 * Keeps the tokens in this JavaScript realm only: gone on reload, invisible to
 * other scripts' storage reads, which makes it the safest place (RFC 9700
 * §4.13 and the OAuth browser-based-apps BCP both warn that persistent web
 * storage is readable by any script that runs on the page). The default.
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
