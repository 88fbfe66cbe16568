/**
 * A single-page app: tokens from the login's code exchange, kept in
 * sessionStorage across reloads, API calls on the page's own origin plus one API
 * origin, and a redirect to /login when the session ends.
 */
import { createTokenSession, isSessionExpiredError, oauth2TokenEndpoint, redirectNavigation, webStorage } from '../index.js'

export const session = createTokenSession({
  tokenEndpoint: oauth2TokenEndpoint({
    url: 'https://auth.example.com/oauth/token',
    clientId: 'spa',
    revocationUrl: 'https://auth.example.com/oauth/revoke',
  }),
  storage: webStorage(sessionStorage, { key: 'example-spa:auth' }),
  navigation: redirectNavigation({ loginUrl: '/login' }),
  allowedOrigins: [location.origin, 'https://api.example.com'],
})

/** Call after your login callback has exchanged the authorization code (RFC 6749 §4.1.3). */
export async function completeLogin(tokenResponse: Record<string, unknown>): Promise<void> {
  await session.signIn(tokenResponse)
}

export async function loadOrders(signal?: AbortSignal): Promise<unknown> {
  try {
    const response = await session.fetch('https://api.example.com/orders', signal ? { signal } : {})
    if (!response.ok) throw new Error(`orders: HTTP ${response.status}`)
    return await response.json()
  } catch (error) {
    // The navigation adapter is already taking the user to /login.
    if (isSessionExpiredError(error)) return []
    throw error
  }
}
