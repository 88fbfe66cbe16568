import { ConfigurationError, RefreshError } from '../machines/errors.js'
import type { TokenEndpoint } from '../machines/ports.js'
import { assertUrl, resolveTransport, type HttpTransportOptions, type TokenHttpRequest } from './http-token-request.js'
import { requestRevocation, requestTokenSet } from './token-endpoint-answer.js'
import { parseTokenResponse } from './token-response.js'

/** Options of `oauth2TokenEndpoint`. */
export interface OAuth2TokenEndpointOptions extends HttpTransportOptions {
  /** The authorization server's token endpoint (RFC 6749 §3.2). */
  url: string | URL
  /** The client identifier the authorization server issued (RFC 6749 §2.2). */
  clientId: string
  /**
   * The client secret of a confidential client, sent with HTTP Basic
   * authentication (RFC 6749 §2.3.1). Leave it out for a public client such as
   * a single-page app: a secret shipped to browsers is not a secret.
   * @default undefined (public client: `client_id` goes in the request body)
   */
  clientSecret?: string
  /**
   * Scope to ask for on refresh; it may only narrow what was granted (RFC 6749 §6).
   * @default undefined (the server keeps the granted scope)
   */
  scope?: string
  /**
   * The RFC 7009 revocation endpoint. Without it the endpoint has no `revoke`
   * and signing out only forgets the tokens locally.
   * @default undefined
   */
  revocationUrl?: string | URL
}

/**
 * A `TokenEndpoint` for a standard OAuth 2.0 authorization server: refreshes
 * with the `refresh_token` grant (RFC 6749 §6) and revokes per RFC 7009.
 * Redirects are never followed and answers are read strictly; see `RefreshError`
 * codes for how each failure is reported.
 *
 * @example
 * const tokenEndpoint = oauth2TokenEndpoint({
 *   url: 'https://auth.example.com/oauth/token',
 *   clientId: 'spa',
 *   revocationUrl: 'https://auth.example.com/oauth/revoke',
 * })
 */
export function oauth2TokenEndpoint(options: OAuth2TokenEndpointOptions): TokenEndpoint {
  const { url, clientId, clientSecret, scope, revocationUrl } = options
  const transport = resolveTransport('oauth2TokenEndpoint', options)
  assertUrl('oauth2TokenEndpoint: url', url, options.allowInsecureHttp)
  if (typeof clientId !== 'string' || clientId === '')
    throw new ConfigurationError('oauth2TokenEndpoint: clientId must be a non-empty string.')
  if (clientSecret !== undefined && (typeof clientSecret !== 'string' || clientSecret === '')) {
    throw new ConfigurationError(
      'oauth2TokenEndpoint: clientSecret must be a non-empty string; leave it out for a public client.',
    )
  }
  if (revocationUrl !== undefined) assertUrl('oauth2TokenEndpoint: revocationUrl', revocationUrl, options.allowInsecureHttp)

  // RFC 6749 §2.3.1: form-urlencode id and secret, then Basic; the secret never goes in the body.
  const authorization =
    clientSecret === undefined ? undefined : `Basic ${btoa(`${formEncode(clientId)}:${formEncode(clientSecret)}`)}`
  const post = (target: string | URL, fields: Record<string, string>): TokenHttpRequest => {
    const form = new URLSearchParams(fields)
    // RFC 6749 §3.2.1: a public client identifies itself with client_id instead.
    if (authorization === undefined) form.set('client_id', clientId)
    const headers = new Headers({ 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' })
    if (authorization !== undefined) headers.set('authorization', authorization)
    // Cookies carry no authority at a token endpoint; the grant and client authentication do.
    return { url: target, headers, body: form.toString(), credentials: 'omit' }
  }

  const endpoint: TokenEndpoint = {
    refresh(refreshToken, { signal }) {
      const fields: Record<string, string> = { grant_type: 'refresh_token', refresh_token: refreshToken }
      if (scope !== undefined) fields['scope'] = scope
      return requestTokenSet(transport, post(url, fields), signal, parseTokenResponse, readOAuthRefusal)
    },
  }
  if (revocationUrl !== undefined) {
    endpoint.revoke = (token, { tokenTypeHint, signal }) =>
      requestRevocation(transport, post(revocationUrl, { token, token_type_hint: tokenTypeHint }), signal)
  }
  return endpoint
}

/** RFC 6749 §5.2: an error answer is 400 (or 401 for client authentication) with a JSON `error` code. */
function readOAuthRefusal(status: number, body: unknown): RefreshError | undefined {
  const error = typeof body === 'object' && body !== null ? (body as { error?: unknown }).error : undefined
  // RFC 6749 §5.2 limits error codes to printable ASCII without " and \, so one is safe to print.
  if ((status !== 400 && status !== 401) || typeof error !== 'string' || !/^[\x20\x21\x23-\x5B\x5D-\x7E]+$/.test(error))
    return undefined
  if (error === 'invalid_grant') {
    return new RefreshError(
      `The token endpoint refused the refresh token (HTTP ${status}, invalid_grant): it is invalid, expired or revoked. The user must sign in again.`,
      { code: 'INVALID_GRANT', status, oauthError: error },
    )
  }
  return new RefreshError(
    `The token endpoint answered HTTP ${status} with OAuth error "${error}" (RFC 6749 §5.2). Check clientId, clientSecret and scope against the client's registration.`,
    { code: 'OAUTH_ERROR', status, oauthError: error },
  )
}

/** application/x-www-form-urlencoded, as RFC 6749 Appendix B asks for client credentials. */
function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2)
}
