// Why oidc-provider 8.x and not 9.x:
// 9.x is the maintained major, but it supports Node.js 22 LTS and later only. On our Node 20 it
// loads and works, yet prints "Unsupported runtime. Use Node.js v22.x LTS, or a later LTS
// release." when it is imported. No option turns that off; the only ways around it would be to
// fake `process.release` or swallow console output during the import, which would hide a true
// statement about our runtime. This project supports Node >= 20 and CI runs Node 20, so the
// test servers must run there as a supported combination: 8.x declares Node 18+.
// The cost: 8.x stopped receiving security fixes on 2026-04-30 (same day as Node 20 itself).
// Acceptable for a loopback-only test server that is never published; revisit (move to 9.x)
// when the project's minimum Node becomes 22.
import type { AddressInfo } from 'node:net'
import type { RequestListener } from 'node:http'

import Provider, { type KoaContextWithOIDC } from 'oidc-provider'

import { closeServer, listenOnLoopback, originOf } from './loopback.js'
import { providerConfiguration } from './provider-configuration.js'
import { authorizeWithPkce, signInWithPkce, type SignInTarget } from './scripted-sign-in.js'

/** Default audience of access tokens; start the resource server with the same value. */
export const DEFAULT_RESOURCE = 'urn:token-refresh-machine:api'

const CLIENT_ID = 'spa'
/** Registered but never called: sign-in reads the code from the Location header. */
const REDIRECT_URI = 'http://127.0.0.1/callback'
const RESOURCE_SCOPE = 'api:read'
const ACCOUNT_ID = 'alice'
const ROUTES = { authorization: '/auth', token: '/token', revocation: '/token/revocation', jwks: '/jwks' }

/** Options of {@link startAuthorizationServer}. */
export interface AuthorizationServerOptions {
  /**
   * Lifetime of access tokens, short so that tests see them expire.
   * @default 2
   */
  accessTokenTtlSeconds?: number
  /**
   * Resource indicator (RFC 8707) that access tokens are issued for: their `aud`.
   * @default DEFAULT_RESOURCE
   */
  resource?: string
  /**
   * DPoP (RFC 9449), nonces required: tokens bound to the client's key; `signIn({ fetch: dpopFetch(...) })` binds the grant.
   * @default false
   */
  dpop?: boolean
}

/** Exact counts of requests the authorization server has seen. */
export interface AuthorizationServerCounts {
  /** Token requests with grant_type=refresh_token, whatever their outcome. */
  refreshGrants: number
  refreshGrantsSucceeded: number
  refreshGrantsFailed: number
  /** Token requests with grant_type=authorization_code, whatever their outcome. */
  authorizationCodeGrants: number
  /** Requests to the RFC 7009 revocation endpoint, whatever their outcome. */
  revocations: number
  /** Token requests answered `400 use_dpop_nonce` (RFC 9449 §8), counted among the refresh grants that failed when they were ones. */
  nonceChallenges: number
}

/** A running oidc-provider on 127.0.0.1 with one public client, `spa`. */
export interface AuthorizationServer {
  /** e.g. `http://127.0.0.1:PORT` */
  issuer: string
  tokenEndpoint: string
  revocationEndpoint: string
  jwksUri: string
  /** `'spa'`: public client (no secret), PKCE required, refresh tokens rotate on every use. */
  clientId: string
  /** Audience (`aud`) of the access tokens this server issues. */
  resource: string
  /**
   * Scripted authorization-code + PKCE flow over HTTP (redirect: 'manual' + a small cookie jar
   * against devInteractions). Resolves the raw RFC 6749 §5.1 token response JSON:
   * `{ access_token, refresh_token, expires_in, token_type, scope, ... }`.
   * The scope defaults to `'offline_access api:read'`; without offline_access no refresh token is issued.
   */
  signIn(options?: { scope?: string; fetch?: typeof fetch }): Promise<Record<string, unknown>>
  /** The front channel only: the code and PKCE verifier a browser page then exchanges itself (with its own DPoP key). */
  authorize(): Promise<{ code: string; verifier: string; redirectUri: string }>
  /** Exact counts seen by this server since start (or since resetCounts()). */
  counts: AuthorizationServerCounts
  resetCounts(): void
  /** Revoke the grant behind a refresh token (as an admin would), so that the next refresh with it gets invalid_grant. */
  revokeGrantOf(refreshToken: string): Promise<void>
  /** Stop listening (token endpoint down) and start again on the SAME port with the same in-memory state (grants survive). */
  pause(): Promise<void>
  resume(): Promise<void>
  close(): Promise<void>
}

/**
 * Starts an OAuth 2.0 authorization server (oidc-provider) on an ephemeral loopback port.
 * Access tokens are RFC 9068 JWTs (`typ: at+jwt`) for one resource; refresh tokens rotate on
 * every use, and presenting a rotated one revokes the whole grant (reuse detection).
 *
 * @example
 * const as = await startAuthorizationServer({ accessTokenTtlSeconds: 1 });
 * const { access_token, refresh_token } = await as.signIn();
 */
export async function startAuthorizationServer(options: AuthorizationServerOptions = {}): Promise<AuthorizationServer> {
  const resource = options.resource ?? DEFAULT_RESOURCE
  // The issuer contains the port, so listen first and plug the provider in once it exists.
  let handle: RequestListener = (_request, response) => response.writeHead(503).end()
  const listener: RequestListener = (request, response) => {
    // No keep-alive: a client holding a pooled socket across pause() would fail with "other
    // side closed" on it; without one, every request made while paused gets ECONNREFUSED.
    response.setHeader('connection', 'close')
    handle(request, response)
  }
  let server = await listenOnLoopback(listener)
  const { port } = server.address() as AddressInfo
  const issuer = originOf(server)

  let provider: Provider
  try {
    const configuration = await providerConfiguration({
      clientId: CLIENT_ID,
      redirectUri: REDIRECT_URI,
      resource,
      resourceScope: RESOURCE_SCOPE,
      accessTokenTtlSeconds: options.accessTokenTtlSeconds ?? 2,
      routes: ROUTES,
      dpop: options.dpop === true,
    })
    provider = withoutDevInteractionsWarning(() => new Provider(issuer, configuration))
  } catch (error) {
    // A bad configuration must not leave a listening port behind in the test process.
    await closeServer(server)
    throw error
  }
  const target = (scope: string): SignInTarget => ({
    authorizationEndpoint: issuer + ROUTES.authorization,
    tokenEndpoint: issuer + ROUTES.token,
    clientId: CLIENT_ID,
    redirectUri: REDIRECT_URI,
    resource,
    scope,
    accountId: ACCOUNT_ID,
  })
  const counts = zeroCounts()
  // Koa middleware: counts each request once it has been answered.
  provider.use(async (ctx, next) => {
    await next()
    countRequest(ctx as KoaContextWithOIDC, counts)
  })
  const koaHandler = provider.callback()
  handle = (request, response) => void koaHandler(request, response)

  return {
    issuer,
    tokenEndpoint: issuer + ROUTES.token,
    revocationEndpoint: issuer + ROUTES.revocation,
    jwksUri: issuer + ROUTES.jwks,
    clientId: CLIENT_ID,
    resource,
    signIn: ({ scope = `offline_access ${RESOURCE_SCOPE}`, fetch: exchange } = {}) =>
      signInWithPkce({ ...target(scope), ...(exchange === undefined ? {} : { fetch: exchange }) }),
    authorize: async () => ({
      ...(await authorizeWithPkce(target(`offline_access ${RESOURCE_SCOPE}`))),
      redirectUri: REDIRECT_URI,
    }),
    counts,
    resetCounts: () => void Object.assign(counts, zeroCounts()),
    async revokeGrantOf(refreshToken) {
      const token = await provider.RefreshToken.find(refreshToken, { ignoreExpiration: true })
      const grantId = token?.grantId
      if (grantId === undefined) throw new Error('revokeGrantOf: unknown refresh token')
      // The same records oidc-provider itself clears when it detects refresh token reuse.
      await Promise.all([
        provider.AccessToken.revokeByGrantId(grantId),
        provider.AuthorizationCode.revokeByGrantId(grantId),
        provider.RefreshToken.revokeByGrantId(grantId),
        provider.Grant.adapter.destroy(grantId),
      ])
    },
    pause: () => closeServer(server),
    async resume() {
      if (!server.listening) server = await listenOnLoopback(listener, port)
    },
    close: () => closeServer(server),
  }
}

function zeroCounts(): AuthorizationServerCounts {
  return {
    refreshGrants: 0,
    refreshGrantsSucceeded: 0,
    refreshGrantsFailed: 0,
    authorizationCodeGrants: 0,
    revocations: 0,
    nonceChallenges: 0,
  }
}

/** Runs after oidc-provider answered: its route-level error handler has already set the status. */
function countRequest(ctx: KoaContextWithOIDC, counts: AuthorizationServerCounts): void {
  const route = ctx.oidc?.route
  if (route === 'revocation') counts.revocations += 1
  if (route !== 'token') return
  if ((ctx.body as { error?: unknown } | undefined)?.error === 'use_dpop_nonce') counts.nonceChallenges += 1
  const grantType = ctx.oidc.params?.['grant_type']
  if (grantType === 'authorization_code') counts.authorizationCodeGrants += 1
  if (grantType !== 'refresh_token') return
  counts.refreshGrants += 1
  if (ctx.status === 200) counts.refreshGrantsSucceeded += 1
  else counts.refreshGrantsFailed += 1
}

/**
 * Builds the provider while dropping the one warning we opted into knowingly (devInteractions is
 * "development-only"), so test output stays readable. Every other warning still shows, and
 * only during this synchronous call.
 */
function withoutDevInteractionsWarning<T>(build: () => T): T {
  const warn = console.warn
  console.warn = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].includes('feature devInteractions is enabled')) return
    warn.apply(console, args)
  }
  try {
    return build()
  } finally {
    console.warn = warn
  }
}
