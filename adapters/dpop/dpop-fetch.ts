import type { FetchFunction } from '../../machines/ports.js'
import type { DpopKeyPair } from './key-pair.js'
import { dpopNonces, type DpopNonces } from './nonces.js'
import { createDpopProof } from './proof.js'

export interface DpopFetchOptions {
  /**
   * The key pair that signs; a function is asked on every request, so the key can follow the grant
   * (`grantKeys(store).current`). When it gives none, the request goes without a proof.
   */
  keys: DpopKeyPair | (() => DpopKeyPair | undefined | Promise<DpopKeyPair | undefined>)
  /**
   * Where nonces are kept; share one between the token endpoint's fetch and the session's.
   * @default a new dpopNonces()
   */
  nonces?: DpopNonces
  /** @default globalThis.fetch, looked up on every request */
  fetch?: FetchFunction
  /** Epoch milliseconds, for `iat`. @default Date.now */
  now?: () => number
  /**
   * Origins (scheme://host:port) of APIs that take only Bearer tokens: they
   * get `Authorization: Bearer <token>` and no proof. Such an API accepts
   * the DPoP-bound token without its key, so for it the token is a bearer
   * token again: anyone who steals it can use it there (RFC 9449 §7.2).
   * List only APIs you trust with that.
   * @default [] (every request gets a proof)
   */
  bearerOnlyOrigins?: readonly string[]
}

/** `Authorization: DPoP <token>` (RFC 9449 §7.1): the token a proof's `ath` must hash. */
function dpopTokenOf(headers: Headers): string | undefined {
  const match = /^DPoP +(\S+)$/i.exec(headers.get('authorization') ?? '')
  return match?.[1]
}

/**
 * Whether an answer asks for a nonce (RFC 9449 §8: the authorization server's
 * `400 {"error":"use_dpop_nonce"}`; §9: a resource server's 401 with a
 * `DPoP error="use_dpop_nonce"` challenge).
 */
async function asksForNonce(response: Response): Promise<boolean> {
  if (response.status === 401) return /\bDPoP\b.*\berror="?use_dpop_nonce\b/i.test(response.headers.get('www-authenticate') ?? '')
  if (response.status !== 400 || !(response.headers.get('content-type') ?? '').includes('json')) return false
  const body = (await response
    .clone()
    .json()
    .catch(() => undefined)) as { error?: unknown } | undefined
  return body?.error === 'use_dpop_nonce'
}

/**
 * A `fetch` that sends every request with a fresh DPoP proof (RFC 9449 §4):
 * for the token endpoint (`oauth2TokenEndpoint({ fetch })`), the login's code
 * exchange, and the session's requests (`createTokenSession({ fetch,
 * tokenType: 'DPoP' })`), where the proof also carries `ath`. Every answer's
 * `DPoP-Nonce` is kept per origin; an answer asking for a nonce it has just
 * given is sent once more with it. That retry is the proof's, not a replay
 * after a refresh: a request may get both, and nothing more.
 *
 * Bodies: a request with a stream body is never sent twice; its nonce
 * challenge goes back to the caller.
 */
export function dpopFetch(options: DpopFetchOptions): FetchFunction {
  const nonces = options.nonces ?? dpopNonces()
  const keysNow = typeof options.keys === 'function' ? options.keys : () => options.keys as DpopKeyPair | undefined
  const bearerOnly = new Set(options.bearerOnlyOrigins ?? [])
  return async (input, init) => {
    if (bearerOnly.size > 0 && bearerOnly.has(new URL(new Request(input).url).origin)) {
      return sendAsBearer(options.fetch ?? globalThis.fetch, input, init)
    }
    const streamed = typeof ReadableStream !== 'undefined' && init?.body instanceof ReadableStream
    const request = new Request(input, init)
    // Read once, so that a nonce retry sends the same bytes; a stream is passed through and never sent twice.
    const body = streamed || request.body === null ? null : await request.arrayBuffer()
    const fetchFunction = options.fetch ?? globalThis.fetch

    const send = async (): Promise<{ response: Response; newerNonce: boolean }> => {
      const nonce = nonces.for(request.url)
      const accessToken = dpopTokenOf(request.headers)
      const headers = new Headers(request.headers)
      const keys = await keysNow()
      // No key (the grant's is gone), so no proof. A DPoP token is never sent without one: the request is
      // answered here as a refused token (RFC 9449 §7.1), the session renews, and the renewal, sent without
      // a proof, is refused by the server (invalid_grant): the grant ends as expired, once.
      if (keys === undefined && accessToken !== undefined) {
        const challenge = 'DPoP error="invalid_token", error_description="No DPoP key for this grant"'
        return { response: new Response(null, { status: 401, headers: { 'www-authenticate': challenge } }), newerNonce: false }
      }
      if (keys !== undefined) {
        const proof = {
          method: request.method,
          url: request.url,
          ...(accessToken === undefined ? {} : { accessToken }),
          ...(nonce === undefined ? {} : { nonce }),
        }
        headers.set('dpop', await createDpopProof(keys, proof, options.now))
      }
      const response = await fetchFunction(request.url, {
        method: request.method,
        headers,
        body: streamed ? request.body : body,
        redirect: request.redirect,
        credentials: request.credentials,
        cache: request.cache,
        signal: request.signal,
        ...(streamed ? { duplex: 'half' } : {}),
      })
      nonces.heard(request.url, response.headers)
      // Newer than this proof's: this answer's, or one a concurrent answer brought meanwhile.
      return { response, newerNonce: nonces.for(request.url) !== nonce }
    }

    const first = await send()
    // RFC 9449 §8, §9: one more send, and only with a nonce newer than the one refused.
    if (streamed || !first.newerNonce || !(await asksForNonce(first.response))) return first.response
    await first.response.body?.cancel().catch(() => {})
    return (await send()).response
  }
}

/** A Bearer-only API's request: the scheme changed to Bearer (RFC 6750 §2.1), no proof, nothing else touched. */
function sendAsBearer(fetchFunction: FetchFunction, input: RequestInfo | URL, init: RequestInit | undefined) {
  const request = new Request(input, init)
  const token = dpopTokenOf(request.headers)
  if (token === undefined) return fetchFunction(request)
  const headers = new Headers(request.headers)
  headers.set('authorization', `Bearer ${token}`)
  return fetchFunction(new Request(request, { headers }))
}
