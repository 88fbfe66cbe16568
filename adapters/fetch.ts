import type { FetchFunction } from '../machines/ports.js'

/**
 * One caller's request, ready to go out at most twice: the first send and the
 * one documented replay after a refresh.
 */
export interface OutgoingRequest {
  /** Where it goes; the session checks its origin against the allowlist. */
  readonly url: URL
  readonly signal: AbortSignal | undefined
  /** False when the body is a one-shot stream that a replay could only send partially. */
  readonly replayable: boolean
  /** Sends with `Authorization: Bearer <accessToken>` (RFC 6750 §2.1). */
  sendWithToken(accessToken: string): Promise<Response>
  /** Sends exactly what the caller gave, untouched. */
  sendUntouched(): Promise<Response>
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
 * The fetch adapter. Bodies are kept replayable from before the first send:
 * a `Request` is cloned per send (the original is never consumed), and an
 * `init.body` that is a string, Blob, buffer, FormData or URLSearchParams is
 * simply sent again. A stream body cannot be replayed without buffering all
 * of it, so such a request is never resent: its 401 goes back to the caller.
 *
 * Redirects follow the Fetch standard, which drops `Authorization` when a
 * redirect crosses origins; a custom `fetch` must do the same.
 *
 * @param fetch defaults to `globalThis.fetch`, looked up at send time so that
 * polyfills and test doubles installed later are honoured.
 */
export function fetchAdapter(fetch?: FetchFunction): FetchAdapter {
  const send: FetchFunction = (input, init) => (fetch ?? globalThis.fetch)(input, init)

  return {
    prepare(input, init, baseUrl) {
      if (input instanceof Request) {
        const request = init === undefined ? input : new Request(input, init)
        return {
          url: new URL(request.url),
          signal: request.signal,
          replayable: true,
          sendWithToken(accessToken) {
            const copy = request.clone()
            copy.headers.set('authorization', `Bearer ${accessToken}`)
            return send(copy)
          },
          sendUntouched: () => send(request),
        }
      }
      // A copy, taken now: the caller may change its URL object after this call, but not where the token goes.
      const url = new URL(input instanceof URL ? input.href : input, baseUrl)
      return {
        url,
        signal: init?.signal ?? undefined,
        replayable: !isStream(init?.body),
        sendWithToken(accessToken) {
          const headers = new Headers(init?.headers)
          headers.set('authorization', `Bearer ${accessToken}`)
          return send(url, { ...init, headers })
        },
        sendUntouched: () => send(url, init),
      }
    },
  }
}
