/**
 * The `seed` contender: a line-by-line port of the naive snippet in
 * shared/seeds/000_c413b24ae1224ef5.txt ("Secure OAuth Token Refresh Flow in
 * JavaScript"). Only the browser globals are swapped for Node stand-ins:
 * `localStorage` is a Map, `window.location.href = '/login'` and the
 * `console` calls are counted instead of performed. The logic is untouched,
 * bugs included: no single-flight, and the rotated refresh token in the
 * answer is never stored, so the second refresh presents a spent one.
 */

/** `localStorage`'s two methods the snippet uses. */
interface StorageLike {
  getItem(key: string): string | null
  setItem(key: string, value: string): void
}

export interface SeedCounters {
  /** Times the snippet would have sent the user to /login. */
  navigations: number
  /** console.warn / console.error calls the snippet made. */
  warnings: number
  errors: number
}

export interface SeedClient {
  authenticatedFetch(url: string, options?: RequestInit): Promise<Response>
  counters: SeedCounters
}

/** `refreshUrl` stands in for the snippet's relative '/api/token/refresh'. */
export function seedClient(refreshUrl: string, tokens: { accessToken: string; refreshToken: string }): SeedClient {
  const items = new Map<string, string>([
    ['accessToken', tokens.accessToken],
    ['refreshToken', tokens.refreshToken],
  ])
  const localStorage: StorageLike = {
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => void items.set(key, value),
  }
  const counters: SeedCounters = { navigations: 0, warnings: 0, errors: 0 }
  const console = { warn: () => void counters.warnings++, error: () => void counters.errors++ }
  const window = {
    location: {
      set href(_url: string) {
        counters.navigations++
      },
    },
  }

  async function refreshTokenAndRetry(
    originalRequest: Request,
    _accessToken: string | null,
    refreshToken: string,
  ): Promise<Response> {
    try {
      const refreshResponse = await fetch(refreshUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ refreshToken }),
      })
      if (!refreshResponse.ok) {
        throw new Error('Failed to refresh token')
      }
      const data = (await refreshResponse.json()) as { accessToken: string }
      const newAccessToken = data.accessToken
      // Store new access token (e.g., in localStorage, secure cookie, or state)
      localStorage.setItem('accessToken', newAccessToken)
      // Retry the original request with the new access token
      originalRequest.headers.set('Authorization', `Bearer ${newAccessToken}`)
      return fetch(originalRequest)
    } catch (error) {
      console.error()
      // Redirect to login or handle session expiry
      window.location.href = '/login'
      throw error
    }
  }

  async function authenticatedFetch(url: string, options: RequestInit = {}): Promise<Response> {
    const accessToken = localStorage.getItem('accessToken')
    const refreshToken = localStorage.getItem('refreshToken') // Assuming refresh token is also stored
    const headers = new Headers(options.headers || {})
    headers.set('Authorization', `Bearer ${accessToken}`)
    options.headers = headers
    let response = await fetch(url, options)
    if (response.status === 401 && refreshToken) {
      console.warn()
      const originalRequest = new Request(url, options)
      response = await refreshTokenAndRetry(originalRequest, accessToken, refreshToken)
    }
    if (!response.ok) {
      // Specific error handling for failed original/retried request
      console.error()
    }
    return response
  }

  return { authenticatedFetch, counters }
}
