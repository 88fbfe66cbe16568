import type { FetchAdapter } from '../adapters/fetch.js'
import type { Authorize } from './authorize.js'
import type { SessionRequestInit } from './session-options.js'
import { bearerChallenge, type TokenRejection } from './token-rejection.js'

export interface AuthorizedFetchParts {
  adapter: FetchAdapter
  origins: ReadonlySet<string>
  baseUrl: string | undefined
  authorize: Authorize
  assertOpen: () => void
  /** The session's `isTokenRejected`, or undefined for the RFC 6750 rule. */
  isTokenRejected: TokenRejection | undefined
}

const discard = (response: Response) => void response.body?.cancel().catch(() => undefined)

/**
 * The `fetch` users call: the allowlist, then the core call. The URL is read
 * once, at call time; an origin off the allowlist, or a call made with
 * `auth: 'none'`, gets the request untouched and the machine never hears of it.
 */
export function authorizedFetch({ adapter, origins, baseUrl, authorize, assertOpen, isTokenRejected }: AuthorizedFetchParts) {
  // A custom predicate may read the body: it gets a clone, and the caller keeps the original.
  const rejected = isTokenRejected === undefined ? bearerChallenge : (response: Response) => isTokenRejected(response.clone())

  return async function fetch(input: RequestInfo | URL, init?: SessionRequestInit): Promise<Response> {
    assertOpen()
    const { auth, ...rest } = init ?? {}
    const outgoing = adapter.prepare(input, init === undefined ? undefined : rest, baseUrl)
    // Exact origin match: the token never goes anywhere it was not sent for.
    if (auth === 'none' || !origins.has(outgoing.origin)) return outgoing.sendUntouched()
    return authorize({
      send: outgoing.sendWithToken,
      rejected,
      discard,
      replayable: outgoing.replayable,
      signal: outgoing.signal,
    })
  }
}
