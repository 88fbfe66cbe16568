import { ConfigurationError } from '../machines/errors.js'
import type { Authorize } from './authorize.js'
import type { SendOptions } from './session-options.js'
import { bearerChallenge } from './token-rejection.js'

/**
 * `session.send`: the core call for any HTTP client. `attempt(accessToken)`
 * performs the request and resolves its answer; the session decides, as for
 * `fetch`, whether a rejection means one refresh and one replay.
 */
export function authorizedSend(origins: ReadonlySet<string>, baseUrl: string | undefined, authorize: Authorize) {
  return function send<TResponse>(
    attempt: (accessToken: string) => Promise<TResponse>,
    options: SendOptions<TResponse>,
  ): Promise<TResponse> {
    let origin: string
    try {
      origin = new URL(options.url, baseUrl).origin
    } catch {
      return Promise.reject(new ConfigurationError(`send(): ${String(options.url)} is not a URL; pass the request's full URL.`))
    }
    // The token is handed to `attempt` only for an origin on the allowlist.
    if (!origins.has(origin)) {
      return Promise.reject(new ConfigurationError(`send(): ${origin} is not in allowedOrigins; no token is given for it.`))
    }
    return authorize({
      send: attempt,
      // Without a predicate, the answer is read as a fetch Response or an axios-like { status, headers }.
      rejected: options.isTokenRejected ?? (bearerChallenge as unknown as (response: TResponse) => boolean),
      ...(options.discard ? { discard: options.discard } : {}),
      replayable: options.replayable ?? true,
      signal: options.signal,
    })
  }
}
