import {
  callbackNavigation,
  createTokenSession,
  oauth2TokenEndpoint,
  type TokenSession,
  type TokenSessionOptions,
} from '../index.js'
import type { AuthorizationServer } from '../tests/servers/index.js'
import { rememberingStorage, type RememberingStorage } from './remembering-storage.js'
import type { Stats } from './stats.js'
import { demoRequestId, wireTap } from './wire-tap.js'

/** The client application: one token session, set up as an app would. */
export interface DemoApp {
  readonly session: TokenSession
  readonly storage: RememberingStorage
  /** When the library sent the user to the login page (ms since the start), until the user signs in. */
  loginRequestedAt(): number | undefined
  /** The user signs in (authorization code + PKCE against the real server) and the session adopts the tokens. */
  signIn(): Promise<void>
}

export interface DemoAppOptions {
  authorizationServer: AuthorizationServer
  /** The only origin that receives the access token. */
  resourceOrigin: string
  stats: Stats
  inspect?: TokenSessionOptions['inspect']
  /** Proactive refresh off: every expiry is met by a 401 and recovered. */
  reactive?: boolean
}

export function createDemoApp({
  authorizationServer,
  resourceOrigin,
  stats,
  inspect,
  reactive = false,
}: DemoAppOptions): DemoApp {
  const storage = rememberingStorage()
  let loginRequestedAt: number | undefined
  const tokenEndpointFetch = wireTap(({ url }, result) => {
    const counts = stats.tokenEndpoint
    if (url.href !== authorizationServer.tokenEndpoint) {
      counts.revocationRequests += 1
      return
    }
    counts.refreshRequests += 1
    if (result === 200) counts.refreshGranted += 1
    else counts.refreshRefused += 1
  })

  const session = createTokenSession({
    tokenEndpoint: oauth2TokenEndpoint({
      url: authorizationServer.tokenEndpoint,
      clientId: authorizationServer.clientId,
      revocationUrl: authorizationServer.revocationEndpoint,
      fetch: tokenEndpointFetch,
    }),
    storage,
    allowedOrigins: [resourceOrigin],
    // Where a browser app would route to its login page; the scenario plays
    // the user, who signs in there a moment later.
    navigation: callbackNavigation(() => {
      loginRequestedAt = stats.elapsed()
      stats.record('session', 'navigation: the library sends the user to the login page')
    }),
    fetch: wireTap(({ headers }, result) => stats.sendAnswered(demoRequestId(headers), result)),
    // 3-second tokens: time-based refreshes may come sooner than the default 5 s apart.
    refresh: { proactive: !reactive, minInterval: 1_000 },
    ...(inspect === undefined ? {} : { inspect }),
  })

  return {
    session,
    storage,
    loginRequestedAt: () => loginRequestedAt,
    async signIn() {
      const tokens = await authorizationServer.signIn()
      await session.signIn(tokens)
      loginRequestedAt = undefined
      stats.signIns += 1
    },
  }
}
