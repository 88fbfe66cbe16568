import type { FetchFunction } from '../machines/ports.js'

/**
 * One caller's request, ready to go out at most twice: the first send and the
 * one documented replay after a refresh.
 */
export interface OutgoingRequest {
  /** Where it goes (scheme://host:port); the session checks it against the allowlist. */
  readonly origin: string
  readonly signal: AbortSignal | undefined
  /** False when the body is a one-shot stream that a replay could only send partially. */
  readonly replayable: boolean
  /** Sends with `Authorization: Bearer <accessToken>` (RFC 6750 §2.1), or `DPoP <accessToken>` (RFC 9449 §7.1). */
  readonly sendWithToken: (accessToken: string) => Promise<Response>
  /** Sends exactly what the caller gave, untouched. */
  readonly sendUntouched: () => Promise<Response>
}

/** Sends requests; the seam where a custom `fetch` (undici, a polyfill, a test double) plugs in. */
export interface FetchAdapter {
  prepare(input: RequestInfo | URL, init: RequestInit | undefined, baseUrl: string | undefined): OutgoingRequest
}

function isStream(body: unknown): boolean {
  return (
    typeof body === 'object' &&
    body !== null &&
    (typeof (body as ReadableStream).getReader === 'function' || Symbol.asyncIterator in body)
  )
}

/**
 * The caller's headers plus ours. A plain object (the common case) is copied
 * as an object, without the `Headers` round trip; any `authorization` of the
 * caller's, in any case, gives way to ours.
 */
function withAuthorization(headers: HeadersInit | undefined, authorization: string): HeadersInit {
  if (headers === undefined) return { authorization }
  if (headers instanceof Headers || Array.isArray(headers)) {
    const copy = new Headers(headers)
    copy.set('authorization', authorization)
    return copy
  }
  const copy: Record<string, string> = {}
  for (const name in headers) if (name.toLowerCase() !== 'authorization') copy[name] = headers[name] as string
  copy.authorization = authorization
  return copy
}

/**
 * The fetch adapter. Bodies are kept replayable from before the first send:
 * a `Request` is cloned per send (the original is never consumed), and an
 * `init.body` that is a string, Blob, buffer, FormData or URLSearchParams is
 * simply sent again. A stream body cannot be replayed without buffering all
 * of it, so such a request is never resent: its 401 goes back to the caller.
 *
 * The URL is read once, here: the caller may change its `URL` object after
 * the call, but not where the token goes. Redirects follow the Fetch
 * standard, which drops `Authorization` when a redirect crosses origins; a
 * custom `fetch` must do the same.
 *
 * @param fetch defaults to `globalThis.fetch`, looked up at send time so that
 * polyfills and test doubles installed later are honoured.
 */
export function fetchAdapter(fetch?: FetchFunction, scheme: 'Bearer' | 'DPoP' = 'Bearer'): FetchAdapter {
  const send: FetchFunction = (input, init) => (fetch ?? globalThis.fetch)(input, init)
  const credentials = (accessToken: string) => `${scheme} ${accessToken}`

  return {
    prepare(input, init, baseUrl) {
      if (input instanceof Request) {
        const request = init === undefined ? input : new Request(input, init)
        return {
          origin: new URL(request.url).origin,
          signal: request.signal,
          replayable: true,
          sendWithToken(accessToken) {
            const copy = request.clone()
            copy.headers.set('authorization', credentials(accessToken))
            return send(copy)
          },
          sendUntouched: () => send(request),
        }
      }
      // A copy, taken now: what the caller does with its URL object afterwards cannot move the token.
      const url = new URL(input instanceof URL ? input.href : input, baseUrl)
      return {
        origin: url.origin,
        signal: init?.signal ?? undefined,
        replayable: !isStream(init?.body),
        sendWithToken: (accessToken) =>
          send(
            url,
            init === undefined
              ? { headers: withAuthorization(undefined, credentials(accessToken)) }
              : { ...init, headers: withAuthorization(init.headers, credentials(accessToken)) },
          ),
        sendUntouched: () => send(url, init),
      }
    },
  }
}
