import { randomBytes } from 'node:crypto'

import { exportJWK, generateKeyPair } from 'jose'
import { errors, type Configuration, type JWK } from 'oidc-provider'

import { createInMemoryAdapter } from './in-memory-adapter.js'

/** The choices the authorization server makes; everything else is fixed policy below. */
export interface ProviderSettings {
  clientId: string
  redirectUri: string
  /** Resource indicator (RFC 8707) of the one API; the `aud` of every access token. */
  resource: string
  /** Scope the API defines; the only one an access token can carry. */
  resourceScope: string
  accessTokenTtlSeconds: number
  routes: Configuration['routes']
  /** DPoP (RFC 9449) with nonces required: access tokens bound to the client's key, and a public client's refresh tokens too. */
  dpop?: boolean
}

const DAY = 24 * 60 * 60

/**
 * oidc-provider configuration for the test authorization server: one public SPA client,
 * JWT access tokens for one API, refresh tokens that rotate on every use.
 */
export async function providerConfiguration(settings: ProviderSettings): Promise<Configuration> {
  const { resource } = settings
  return {
    adapter: createInMemoryAdapter(),
    // Our own key, generated per start: the quick-start default keys come with a warning.
    jwks: { keys: [await signingKey()] },
    // Signed cookies let oidc-provider notice tampering; it warns at runtime without keys.
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    clients: [
      {
        client_id: settings.clientId,
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: [settings.redirectUri],
        ...(settings.dpop === true ? { dpop_bound_access_tokens: true } : {}),
      },
    ],
    pkce: { required: () => true, methods: ['S256'] },
    scopes: ['openid', 'offline_access'],
    findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
    // The default heuristic skips rotation for some tokens; tests need every refresh to rotate.
    // A rotated token presented again makes oidc-provider revoke the whole grant.
    rotateRefreshToken: true,
    ttl: {
      AccessToken: settings.accessTokenTtlSeconds,
      AuthorizationCode: 60,
      IdToken: 60 * 60,
      Interaction: 60 * 60,
      Session: DAY,
      Grant: 30 * DAY,
      RefreshToken: 30 * DAY,
    },
    routes: settings.routes,
    // Only loopback pages (a browser demo) may call the endpoints cross-origin.
    clientBasedCORS: (_ctx, origin) => /^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?$/.test(origin),
    features: {
      devInteractions: { enabled: true },
      revocation: { enabled: true },
      // RFC 9449 §8: every token request must carry a nonce the server gave.
      ...(settings.dpop === true ? { dPoP: { enabled: true, nonceSecret: randomBytes(32), requireNonce: () => true } } : {}),
      resourceIndicators: {
        enabled: true,
        // The client under test refreshes with grant_type, refresh_token and client_id only,
        // so the resource has to come from the grant, not from the request.
        defaultResource: () => resource,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, indicator) => {
          if (indicator !== resource) throw new errors.InvalidTarget()
          return { scope: settings.resourceScope, audience: resource, accessTokenFormat: 'jwt' }
        },
      },
    },
  }
}

async function signingKey(): Promise<JWK> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true })
  return { ...(await exportJWK(privateKey)), alg: 'RS256', use: 'sig', kid: 'test-signing-key' }
}
