import type { FetchAdapter } from '../adapters/fetch.js'
import type { FetchFunction } from '../machines/ports.js'
import type { Authorize } from './authorize.js'
import { blamesToken } from './challenge.js'

export interface AuthorizedFetchParts {
  adapter: FetchAdapter
  origins: ReadonlySet<string>
  baseUrl: string | undefined
  authorize: Authorize
  assertOpen: () => void
}

const rejected = (response: Response) => response.status === 401 && blamesToken(response.headers.get('www-authenticate'))
const discard = (response: Response) => void response.body?.cancel().catch(() => undefined)

/**
 * The `fetch` users call: the allowlist, then the core call. The URL is read
 * once, at call time; an origin off the allowlist gets the request untouched
 * and the machine never hears of it.
 */
export function authorizedFetch({ adapter, origins, baseUrl, authorize, assertOpen }: AuthorizedFetchParts): FetchFunction {
  return async function fetch(input, init) {
    assertOpen()
    const outgoing = adapter.prepare(input, init, baseUrl)
    // Exact origin match: the token never goes anywhere it was not sent for.
    if (!origins.has(outgoing.origin)) return outgoing.sendUntouched()
    return authorize({
      send: outgoing.sendWithToken,
      rejected,
      discard,
      replayable: outgoing.replayable,
      signal: outgoing.signal,
    })
  }
}
