/**
 * What a token or revocation endpoint's answer means: a token set, a refused
 * grant, or a `RefreshError` code picked from the HTTP status. Shared by the
 * token endpoint adapters; internal.
 */
import { InvalidTokenResponseError, RefreshError, RevocationError } from '../machines/errors.js'
import type { TokenSet } from '../machines/ports.js'
import { discardBody, readJsonBody, sendTokenRequest, type HttpTransport, type TokenHttpRequest } from './http-token-request.js'

/** Reads a 4xx answer (other than 429) as a refusal, from its JSON body if it had one. */
export type RefusalReader = (status: number, body: unknown) => RefreshError | undefined

// Beyond this a server's Retry-After is not trusted; it could stall refreshes for days.
const MAX_RETRY_AFTER_SECONDS = 3600

/**
 * POSTs a refresh request and resolves the token set read from a 2xx answer.
 * Rejects with the caller's abort reason as-is, or with a `RefreshError`.
 */
export function requestTokenSet(
  transport: HttpTransport,
  request: TokenHttpRequest,
  signal: AbortSignal,
  readTokens: (json: unknown) => TokenSet,
  readRefusal: RefusalReader,
): Promise<TokenSet> {
  const fail = (code: 'NETWORK' | 'TIMEOUT', cause?: unknown) =>
    code === 'TIMEOUT'
      ? new RefreshError(
          `The token endpoint did not answer within ${transport.timeout} ms. The session is kept and a later request will try again; raise the timeout option if the server is slow.`,
          { code },
        )
      : new RefreshError(
          'Could not reach the token endpoint (network error). The session is kept and a later request will try again; check the url and connectivity.',
          { code, cause },
        )
  return sendTokenRequest(transport, request, signal, fail, async (response) => {
    const { status } = response
    if (isSuccess(response)) {
      try {
        return readTokens(await readJsonBody(response, transport.maxResponseBytes))
      } catch (error) {
        if (!(error instanceof InvalidTokenResponseError)) throw error
        throw new RefreshError(`The token endpoint answered HTTP ${status} with an unusable body: ${error.message}`, {
          code: 'INVALID_RESPONSE',
          status,
          cause: error,
        })
      }
    }
    if (status >= 400 && status < 500 && status !== 429) {
      const body = await readJsonBody(response, transport.maxResponseBytes).catch((error: unknown) => {
        if (error instanceof InvalidTokenResponseError) return undefined
        throw error
      })
      throw (
        readRefusal(status, body) ??
        new RefreshError(
          `The token endpoint answered HTTP ${status} without a recognised error body. Check the url and the client configuration.`,
          { code: 'INVALID_RESPONSE', status },
        )
      )
    }
    discardBody(response)
    throw statusFailure(response)
  })
}

/** POSTs an RFC 7009 revocation request; any 2xx answer is success (RFC 7009 §2.2). */
export function requestRevocation(transport: HttpTransport, request: TokenHttpRequest, signal: AbortSignal): Promise<void> {
  const advice = 'The token may stay valid until it expires; the local session is cleared regardless.'
  const fail = (code: 'NETWORK' | 'TIMEOUT', cause?: unknown) =>
    new RevocationError(
      code === 'TIMEOUT'
        ? `The revocation endpoint did not answer within ${transport.timeout} ms. ${advice}`
        : `Could not reach the revocation endpoint (network error). ${advice}`,
      { cause },
    )
  return sendTokenRequest(transport, request, signal, fail, (response) => {
    discardBody(response)
    if (isSuccess(response)) return
    throw new RevocationError(
      `The revocation endpoint answered ${describeStatus(response)} instead of 200. ${advice} Check revocationUrl and the client credentials.`,
      statusOf(response),
    )
  })
}

function isSuccess(response: Response): boolean {
  return response.status >= 200 && response.status < 300
}

/** The error for an answer that is neither a token set nor a refusal. */
function statusFailure(response: Response): RefreshError {
  const { status } = response
  const retryAfter = status === 429 || status === 503 ? parseRetryAfter(response.headers.get('retry-after')) : undefined
  const extra = retryAfter === undefined ? {} : { retryAfter }
  const wait = retryAfter === undefined ? '' : ` The server asked to wait ${retryAfter} s.`
  if (status === 429)
    return new RefreshError(
      `The token endpoint answered HTTP 429 (too many requests). The session is kept; refresh less often.${wait}`,
      { code: 'RATE_LIMITED', status, ...extra },
    )
  if (status >= 500 && status < 600)
    return new RefreshError(
      `The token endpoint answered HTTP ${status} (server error). The session is kept and a later request will try again.${wait}`,
      { code: 'SERVER_ERROR', status, ...extra },
    )
  const why = isRedirect(response) ? 'a redirect, which is never followed' : 'not a token response'
  return new RefreshError(`The token endpoint answered ${describeStatus(response)}: ${why}. Check the url option.`, {
    code: 'INVALID_RESPONSE',
    ...statusOf(response),
  })
}

function isRedirect(response: Response): boolean {
  // Browsers hide a manual redirect behind an `opaqueredirect` answer with status 0.
  return response.type === 'opaqueredirect' || (response.status >= 300 && response.status < 400)
}

function describeStatus(response: Response): string {
  return response.type === 'opaqueredirect' ? 'with a redirect' : `HTTP ${response.status}`
}

function statusOf(response: Response): { status?: number } {
  return response.type === 'opaqueredirect' ? {} : { status: response.status }
}

/**
 * RFC 9110 §10.2.3: Retry-After is delay-seconds or an HTTP-date (which always
 * names a day or month). Returns whole seconds from `now`, capped, or undefined.
 */
export function parseRetryAfter(header: string | null, now = Date.now()): number | undefined {
  const value = header?.trim() ?? ''
  let seconds = Number.NaN
  if (/^\d+$/.test(value)) seconds = Number(value)
  else if (/[a-z]/i.test(value)) seconds = Math.ceil((Date.parse(value) - now) / 1000)
  if (Number.isNaN(seconds)) return undefined
  return Math.min(Math.max(seconds, 0), MAX_RETRY_AFTER_SECONDS)
}
