/**
 * A global `fetch` that answers at once with prebuilt Responses, for the
 * in-process scenarios: what is left of a request's cost is the wrapper's own.
 */
import type { ContenderSetup } from './contenders.js'
import type { OAuthTokenResponse } from './servers.js'

/** Nothing listens here: every request goes to the stub. */
export const STUB_URL = 'http://127.0.0.1:9/resource'

const stubTokens: OAuthTokenResponse = {
  access_token: 'at.0',
  token_type: 'Bearer',
  expires_in: 3600,
  refresh_token: 'rt.0',
}

/** How every contender is set up against the stub. */
export const stubSetup: ContenderSetup = {
  tokenUrl: 'http://127.0.0.1:9/token',
  resourceOrigin: 'http://127.0.0.1:9',
  tokens: stubTokens,
  readBody: false,
}

/** The installed stub's controls. */
export interface FetchStub {
  /** Token endpoint calls so far. */
  refreshes(): number
  /** Invalidates the current access token: the next request with it gets a 401. */
  revoke(): void
}

/**
 * Replaces `globalThis.fetch`. With `checkToken`, it also plays the token
 * endpoint and answers 401 to a stale access token; without, every request is a 200.
 */
export function installStub(options: { checkToken: boolean }): FetchStub {
  const ok = new Response(null, { status: 200 })
  const unauthorized = new Response(null, {
    status: 401,
    headers: { 'www-authenticate': 'Bearer realm="bench", error="invalid_token"' },
  })
  let valid = `Bearer ${stubTokens.access_token}`
  let serial = 0
  const header = (input: RequestInfo | URL, init: RequestInit | undefined, name: string): string | null =>
    input instanceof Request ? input.headers.get(name) : new Headers(init?.headers).get(name)

  globalThis.fetch = (input, init) => {
    if (!options.checkToken) return Promise.resolve(ok)
    const method = input instanceof Request ? input.method : (init?.method ?? 'GET')
    if (method === 'POST') {
      // The token endpoint: both answer styles, no rotation checks (this stub is about memory, not protocol).
      serial++
      const accessToken = `at.${serial}`
      valid = `Bearer ${accessToken}`
      const form = header(input, init, 'content-type')?.startsWith('application/x-www-form-urlencoded') ?? false
      const body = form
        ? { access_token: accessToken, token_type: 'Bearer', expires_in: 3600, refresh_token: `rt.${serial}` }
        : { accessToken, refreshToken: `rt.${serial}`, expiresIn: 3600 }
      return Promise.resolve(new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } }))
    }
    return Promise.resolve(header(input, init, 'authorization') === valid ? ok : unauthorized)
  }
  return {
    refreshes: () => serial,
    revoke() {
      valid = 'revoked'
    },
  }
}
