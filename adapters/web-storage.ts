import type { Awaitable, TokenStorage } from '../machines/ports.js'

/**
 * The string key-value shape shared by `localStorage`, `sessionStorage` and
 * React Native's `AsyncStorage` (whose methods return promises).
 */
export interface KeyValueStore {
  getItem(key: string): Awaitable<string | null | undefined>
  setItem(key: string, value: string): Awaitable<void>
  removeItem(key: string): Awaitable<void>
}

export interface WebStorageOptions {
  /**
   * The key the session is kept under. Namespace it per app and per
   * authorization server when several share one origin.
   * @default 'token-refresh-machine:session'
   */
  key?: string
}

/**
 * Persists the session in a string key-value store: `localStorage`,
 * `sessionStorage`, or anything of the same shape such as AsyncStorage.
 * Given the page's `localStorage`, its scope is `localStorage:<key>`: the
 * tabs of an origin on that key share a grant. Any other store is private
 * to this realm (`sessionStorage` is per tab), and so is its scope.
 * Opt-in: any script on the page can read web storage, so prefer the default
 * memory storage unless surviving a reload is worth that exposure.
 *
 * @example
 * createTokenSession({ ...options, storage: webStorage(sessionStorage, { key: 'myapp:auth' }) })
 */
export function webStorage(store: KeyValueStore, options: WebStorageOptions = {}): TokenStorage {
  const key = options.key ?? 'token-refresh-machine:session'
  return {
    ...(isLocalStorage(store) ? { scope: `localStorage:${key}` } : {}),
    async load() {
      const text = await store.getItem(key)
      if (text === null || text === undefined) return null
      try {
        return JSON.parse(text) as unknown
      } catch {
        // Malformed: hand it over as is; the session validates and discards it.
        return text
      }
    },
    save: (tokens) => store.setItem(key, JSON.stringify(tokens)),
    clear: () => store.removeItem(key),
  }
}

function isLocalStorage(store: KeyValueStore): boolean {
  try {
    // Reading localStorage throws where storage is blocked (sandboxed iframes, some privacy settings).
    return store === (globalThis as { localStorage?: unknown }).localStorage
  } catch {
    return false
  }
}
