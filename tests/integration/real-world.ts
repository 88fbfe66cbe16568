/**
 * The integration suite's world: a real authorization server (oidc-provider), a real API that
 * verifies its JWTs, a foreign origin that records what reaches it, and a session signed in
 * through the scripted code + PKCE flow. Spies sit at the session's edges (storage, the token
 * endpoint's fetch, navigation, emitted events) so tests can assert exact outcomes.
 */
import { afterAll, beforeAll, beforeEach } from 'vitest'
import { decodeJwt } from 'jose'

import {
  callbackNavigation,
  createTokenSession,
  oauth2TokenEndpoint,
  type FetchFunction,
  type SessionEmitted,
  type StoredTokens,
  type TokenSession,
  type TokenSessionOptions,
  type TokenStorage,
} from '../../index.js'
import {
  startAuthorizationServer,
  startRecordingServer,
  startResourceServer,
  type AuthorizationServer,
  type RecordingServer,
  type ResourceServer,
} from '../servers/index.js'

export interface RealWorld {
  as: AuthorizationServer
  api: ResourceServer
  foreign: RecordingServer
  /** Zeroes every server's counts and recordings; call before each test. */
  reset(): void
  close(): Promise<void>
}

/** Starts the three servers on loopback. Access tokens live 2 s unless told otherwise. */
export async function startRealWorld(options: { accessTokenTtlSeconds?: number } = {}): Promise<RealWorld> {
  // 2 s, not 1: exp is whole seconds, so a 1 s token can be dead milliseconds after issue.
  const as = await startAuthorizationServer({ accessTokenTtlSeconds: options.accessTokenTtlSeconds ?? 2 })
  const others = await Promise.all([
    startResourceServer({ issuer: as.issuer, jwksUri: as.jwksUri, audience: as.resource }),
    startRecordingServer(),
  ]).catch(async (error: unknown) => {
    await as.close()
    throw error
  })
  const [api, foreign] = others
  return {
    as,
    api,
    foreign,
    reset() {
      as.resetCounts()
      api.resetCounts()
      foreign.seen.length = 0
    },
    async close() {
      await Promise.all([as.close(), api.close(), foreign.close()])
    },
  }
}

/**
 * Starts the servers once for the file, zeroes their counts before each test
 * and closes them at the end. The returned object is filled in `beforeAll`.
 */
export function useRealWorld(options: { accessTokenTtlSeconds?: number } = {}): RealWorld {
  const world = {} as RealWorld
  beforeAll(async () => {
    Object.assign(world, await startRealWorld(options))
  })
  afterAll(() => world.close?.())
  beforeEach(() => world.reset())
  return world
}

/** A storage that keeps one record in memory and remembers every write. */
export interface SpyStorage extends TokenStorage {
  /** Every record saved, oldest first. */
  readonly saved: StoredTokens[]
  /** How many times the session cleared the storage. */
  readonly clears: number
  /** What a reload would find. */
  current(): StoredTokens | null
}

export function spyStorage(): SpyStorage {
  let record: StoredTokens | null = null
  let clears = 0
  const saved: StoredTokens[] = []
  return {
    saved,
    get clears() {
      return clears
    },
    current: () => record,
    load: () => record,
    save(tokens) {
      saved.push(tokens)
      record = tokens
    },
    clear() {
      clears += 1
      record = null
    },
  }
}

/** One refresh grant the session sent, as the token endpoint answered it. */
export interface TokenExchange {
  /** The refresh token presented. */
  refreshToken: string | null
  /** HTTP status, or `'no answer'` when the request failed (server down, aborted). */
  status: number | 'no answer'
  /** The JSON body of the answer. */
  body: Record<string, unknown> | undefined
}

/** The `fetch` the token endpoint adapter uses: the real one, recorded, and holdable. */
export interface TokenEndpointSpy {
  fetch: FetchFunction
  /** Every exchange, in the order the answers arrived. */
  readonly exchanges: TokenExchange[]
  /** Holds token requests (before they reach the server) until the returned function is called. */
  hold(): () => void
}

export function tokenEndpointSpy(): TokenEndpointSpy {
  const exchanges: TokenExchange[] = []
  let gate: Promise<void> | undefined
  const fetch: FetchFunction = async (input, init) => {
    const refreshToken = typeof init?.body === 'string' ? new URLSearchParams(init.body).get('refresh_token') : null
    if (gate !== undefined) await gate
    let response: Response
    try {
      response = await globalThis.fetch(input, init)
    } catch (error) {
      exchanges.push({ refreshToken, status: 'no answer', body: undefined })
      throw error
    }
    const body = (await response
      .clone()
      .json()
      .catch(() => undefined)) as Record<string, unknown> | undefined
    exchanges.push({ refreshToken, status: response.status, body })
    return response
  }
  return {
    fetch,
    exchanges,
    hold() {
      let release = () => {}
      gate = new Promise<void>((resolve) => {
        release = resolve
      })
      return () => {
        gate = undefined
        release()
      }
    },
  }
}

export interface SignedInSession {
  session: TokenSession
  storage: SpyStorage
  tokenEndpoint: TokenEndpointSpy
  /** Every call to the navigation adapter. */
  navigations: { reason: 'expired' }[]
  /** Every event the session emitted, in order. */
  emitted: SessionEmitted[]
  /** The refresh token the scripted sign-in received. */
  initialRefreshToken: string
}

/** Signs in through the scripted code + PKCE flow and hands the raw token response to a new session. */
export async function signedInSession(world: RealWorld, options: Partial<TokenSessionOptions> = {}): Promise<SignedInSession> {
  const storage = spyStorage()
  const tokenEndpoint = tokenEndpointSpy()
  const navigations: { reason: 'expired' }[] = []
  const emitted: SessionEmitted[] = []
  const session = createTokenSession({
    tokenEndpoint: oauth2TokenEndpoint({ url: world.as.tokenEndpoint, clientId: world.as.clientId, fetch: tokenEndpoint.fetch }),
    storage,
    navigation: callbackNavigation((details) => navigations.push(details)),
    allowedOrigins: [world.api.origin],
    // These suites pin the reactive core (refresh on 401, one attempt), so their
    // counts are exact; proactive refresh and backoff have their own suite.
    refresh: { proactive: false, maxAttempts: 1 },
    ...options,
  })
  for (const type of ['refreshed', 'refreshFailed', 'expired', 'signedOut'] as const) {
    session.on(type, (event) => emitted.push(event))
  }
  const response = await world.as.signIn()
  const initialRefreshToken = response['refresh_token']
  if (typeof initialRefreshToken !== 'string') throw new Error('sign-in: no refresh token issued')
  await session.signIn(response)
  return { session, storage, tokenEndpoint, navigations, emitted, initialRefreshToken }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/**
 * Sleeps until the stored access token has expired for the resource server: jose rejects a
 * token once the current whole second reaches `exp`. The margin covers timer imprecision.
 */
export async function waitForAccessTokenExpiry(storage: SpyStorage): Promise<void> {
  const accessToken = storage.current()?.accessToken
  if (accessToken === undefined) throw new Error('nothing stored: no access token to wait for')
  const { exp } = decodeJwt(accessToken)
  if (exp === undefined) throw new Error('the access token has no exp')
  await sleep(Math.max(0, exp * 1000 - Date.now() + 25))
}

/** A refresh grant sent from outside the session, e.g. by an attacker holding an old refresh token. */
export async function refreshFromOutside(
  as: AuthorizationServer,
  refreshToken: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(as.tokenEndpoint, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: as.clientId }),
  })
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

/** The statuses of a set of responses, in order. */
export function statusesOf(responses: readonly Response[]): number[] {
  return responses.map((response) => response.status)
}
