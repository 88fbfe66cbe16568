import { memoryStorage, type TokenStorage } from '../index.js'

export interface RememberingStorage extends TokenStorage {
  /** The refresh token of the record saved last, while the session holds one. */
  currentRefreshToken(): string | undefined
}

/**
 * The default memory storage, plus a look at the refresh token it holds. The
 * demo plays an administrator who revokes the user's grant, and naming the
 * grant takes its current refresh token, which the session otherwise keeps to
 * itself. The demo never prints it.
 */
export function rememberingStorage(): RememberingStorage {
  const storage = memoryStorage()
  let refreshToken: string | undefined
  return {
    load: () => storage.load(),
    save(tokens) {
      refreshToken = tokens.refreshToken
      return storage.save(tokens)
    },
    clear() {
      refreshToken = undefined
      return storage.clear()
    },
    currentRefreshToken: () => refreshToken,
  }
}
