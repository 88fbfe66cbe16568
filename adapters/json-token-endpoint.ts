import { ConfigurationError, RefreshError } from '../machines/errors.js'
import type { TokenEndpoint } from '../machines/ports.js'
import { assertUrl, resolveTransport, type HttpTransportOptions } from './http-token-request.js'
import { requestTokenSet } from './token-endpoint-answer.js'
import { readTokenSet, type TokenResponseShape } from './token-response.js'

/** Member names of the JSON request and answer, for backends that spell them their own way. */
export interface JsonTokenEndpointFields {
  /**
   * Request member that carries the refresh token.
   * @default 'refreshToken'
   */
  requestRefreshToken?: string
  /**
   * Answer member holding the access token.
   * @default 'accessToken'
   */
  accessToken?: string
  /**
   * Answer member holding a new (rotated) refresh token, when the backend issues one.
   * @default 'refreshToken'
   */
  refreshToken?: string
  /**
   * Answer member holding the access token's lifetime in seconds.
   * @default 'expiresIn'
   */
  expiresIn?: string
}

/** Options of `jsonTokenEndpoint`. */
export interface JsonTokenEndpointOptions extends HttpTransportOptions {
  /** The backend's refresh URL; may be relative to the page in browsers. */
  url: string | URL
  /**
   * Member names, when the backend's differ from the defaults.
   * @default { requestRefreshToken: 'refreshToken', accessToken: 'accessToken', refreshToken: 'refreshToken', expiresIn: 'expiresIn' }
   */
  fields?: JsonTokenEndpointFields
  /**
   * Static headers added to every refresh request, such as a CSRF header or
   * an API key. They replace the default `Content-Type` and `Accept` if named.
   * @default {}
   */
  headers?: Record<string, string>
  /**
   * Whether cookies go with the request. The default sends them to the page's
   * own origin only, as `fetch` itself does, so a same-origin backend that keeps
   * the refresh token in an HttpOnly cookie works; a cross-origin one needs `'include'`.
   * @default 'same-origin'
   */
  credentials?: RequestCredentials
}

/**
 * A `TokenEndpoint` for a backend that is not an OAuth server but speaks JSON:
 * `POST {"refreshToken": "..."}` answered by `{"accessToken", "refreshToken"?, "expiresIn"?}`.
 * A 401 or 403, or a 400 with `{"error": "invalid_grant"}`, means the refresh
 * token was refused and ends the session (`INVALID_GRANT`).
 *
 * @example
 * const tokenEndpoint = jsonTokenEndpoint({
 *   url: '/api/auth/refresh',
 *   fields: { accessToken: 'token', expiresIn: 'ttl' },
 * })
 */
export function jsonTokenEndpoint(options: JsonTokenEndpointOptions): TokenEndpoint {
  const { url, fields = {}, credentials = 'same-origin' } = options
  const transport = resolveTransport('jsonTokenEndpoint', options)
  assertUrl('jsonTokenEndpoint: url', url, options.allowInsecureHttp)
  const requestMember = fields.requestRefreshToken ?? 'refreshToken'
  const shape: TokenResponseShape = {
    subject: 'refresh response',
    expected: 'a JSON object with the access token in the member named by fields.accessToken',
    accessToken: fields.accessToken ?? 'accessToken',
    refreshToken: fields.refreshToken ?? 'refreshToken',
    expiresIn: fields.expiresIn ?? 'expiresIn',
  }
  const names = [requestMember, shape.accessToken, shape.refreshToken, shape.expiresIn]
  if (names.some((name) => typeof name !== 'string' || name === ''))
    throw new ConfigurationError('jsonTokenEndpoint: every name in fields must be a non-empty string.')
  if (new Set(names.slice(1)).size !== 3)
    throw new ConfigurationError(
      'jsonTokenEndpoint: fields.accessToken, fields.refreshToken and fields.expiresIn must be three different names.',
    )
  const headers = new Headers({ 'content-type': 'application/json', accept: 'application/json' })
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    try {
      headers.set(name, value)
    } catch {
      // The value may be a secret (an API key), so only the name is shown.
      throw new ConfigurationError(`jsonTokenEndpoint: headers["${name}"] is not a valid header name and value.`)
    }
  }

  return {
    refresh(refreshToken, { signal }) {
      const body = JSON.stringify({ [requestMember]: refreshToken })
      const readTokens = (json: unknown) => readTokenSet(json, shape)
      return requestTokenSet(transport, { url, headers, body, credentials }, signal, readTokens, readRefusal)
    },
  }
}

/** A backend refuses a refresh token with 401 or 403, or with the OAuth-style 400 `invalid_grant`. */
function readRefusal(status: number, body: unknown): RefreshError | undefined {
  const oauthError = typeof body === 'object' && body !== null ? (body as { error?: unknown }).error : undefined
  if (status === 401 || status === 403 || (status === 400 && oauthError === 'invalid_grant')) {
    return new RefreshError(
      `The refresh endpoint refused the refresh token (HTTP ${status}): it is invalid, expired or revoked. The user must sign in again.`,
      {
        code: 'INVALID_GRANT',
        status,
        ...(oauthError === 'invalid_grant' ? { oauthError } : {}),
      },
    )
  }
  return undefined
}
