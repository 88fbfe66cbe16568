/**
 * The five contenders, each set up the way its documentation shows, behind
 * one interface: `get(url)` sends one authorized GET and says how it ended.
 * Every contender sends through the global `fetch` (axios with its `fetch`
 * adapter), so they share one transport and an in-process stub replaces it
 * for all of them alike.
 */
import { OAuth2Client, OAuth2Fetch } from '@badgateway/oauth2-client'
import axios, { isAxiosError } from 'axios'
import { createAuthRefresh } from 'axios-auth-refresh'
import { createTokenSession, oauth2TokenEndpoint } from '../index.js'
import { seedClient } from './seed.js'
import type { OAuthTokenResponse } from './servers.js'

export const contenderNames = ['raw', 'seed', 'oauth2-client', 'axios-auth-refresh', 'token-refresh-machine'] as const
export type ContenderName = (typeof contenderNames)[number]

/** The library under test, as it is called in tables. */
export const LIBRARY: ContenderName = 'token-refresh-machine'

/** The two published libraries the issue names as peers. `seed` and `raw` are reference points, not peers. */
export const PEERS: ContenderName[] = ['oauth2-client', 'axios-auth-refresh']

/** How one request ended. Never a throw: a rejection is an outcome too. */
export interface Outcome {
  /** A 2xx response. */
  ok: boolean
  /** HTTP status of the final response, 0 when the call rejected without one. */
  status: number
  /** The call rejected (axios rejects non-2xx, the others reject only when they give up). */
  rejected: boolean
}

export interface Contender {
  name: ContenderName
  get(url: string): Promise<Outcome>
  /** This library's XState actor (its public `session.actor`), to time the events each request sends. */
  actor?: unknown
}

export interface ContenderSetup {
  /** Token endpoint URL; it speaks RFC 6749 form posts and the JSON style. */
  tokenUrl: string
  /** The origin that receives the access token. */
  resourceOrigin: string
  /** The sign-in result every contender starts from. */
  tokens: OAuthTokenResponse
  /** Read the body of every response (needed on a real socket; the in-process stub has none). */
  readBody: boolean
}

const CLIENT_ID = 'bench'

async function fromResponse(response: Response, readBody: boolean): Promise<Outcome> {
  if (readBody) await response.arrayBuffer()
  return { ok: response.ok, status: response.status, rejected: false }
}

const rejectedOutcome = (error: unknown): Outcome => ({
  ok: false,
  status: isAxiosError(error) ? (error.response?.status ?? 0) : 0,
  rejected: true,
})

/** Builds a contender, signed in with `setup.tokens`. */
export async function createContender(name: ContenderName, setup: ContenderSetup): Promise<Contender> {
  const { tokens, readBody } = setup
  const wrap =
    (send: (url: string) => Promise<Response>) =>
    (url: string): Promise<Outcome> =>
      send(url).then((response) => fromResponse(response, readBody), rejectedOutcome)

  switch (name) {
    case 'raw': {
      // The floor: the token is valid and nothing checks anything.
      const authorization = `Bearer ${tokens.access_token}`
      return { name, get: wrap((url) => fetch(url, { headers: { authorization } })) }
    }

    case 'seed': {
      const client = seedClient(setup.tokenUrl, { accessToken: tokens.access_token, refreshToken: tokens.refresh_token })
      return { name, get: wrap((url) => client.authenticatedFetch(url)) }
    }

    case 'oauth2-client': {
      // README "Fetch Wrapper": OAuth2Fetch with a client that knows the token endpoint.
      const client = new OAuth2Client({ clientId: CLIENT_ID, tokenEndpoint: setup.tokenUrl })
      const wrapper = new OAuth2Fetch({
        client,
        // No interactive login in a benchmark: giving up is the only option.
        getNewToken: () => null,
        getStoredToken: () => ({
          accessToken: tokens.access_token,
          refreshToken: tokens.refresh_token,
          expiresAt: Date.now() + tokens.expires_in * 1000,
        }),
        onError: () => {},
      })
      return { name, get: wrap((url) => wrapper.fetch(url)) }
    }

    case 'axios-auth-refresh': {
      // README usage: a request interceptor adds the token, createAuthRefresh handles 401s.
      const api = axios.create({ adapter: 'fetch' })
      const refresher = axios.create({ adapter: 'fetch' })
      let current = { accessToken: tokens.access_token, refreshToken: tokens.refresh_token }
      api.interceptors.request.use((config) => {
        config.headers.Authorization = `Bearer ${current.accessToken}`
        return config
      })
      // axios-auth-refresh's types resolve axios's CommonJS declarations; the instance is the same at run time.
      const instance = api as unknown as Parameters<typeof createAuthRefresh>[0]
      createAuthRefresh(instance, async (failedRequest: { response: { config: { headers: Record<string, string> } } }) => {
        const { data } = await refresher.post<{ accessToken: string; refreshToken?: string }>(setup.tokenUrl, {
          refreshToken: current.refreshToken,
        })
        // Unlike the seed snippet, the rotated refresh token is kept.
        current = { accessToken: data.accessToken, refreshToken: data.refreshToken ?? current.refreshToken }
        failedRequest.response.config.headers['Authorization'] = `Bearer ${data.accessToken}`
      })
      return {
        name,
        get: (url) =>
          api
            .get(url)
            .then(
              (response) => ({ ok: response.status >= 200 && response.status < 300, status: response.status, rejected: false }),
              rejectedOutcome,
            ),
      }
    }

    case 'token-refresh-machine': {
      const session = createTokenSession({
        tokenEndpoint: oauth2TokenEndpoint({ url: setup.tokenUrl, clientId: CLIENT_ID }),
        allowedOrigins: [setup.resourceOrigin],
      })
      await session.signIn({ ...tokens })
      return { name, get: wrap((url) => session.fetch(url)), actor: session.actor }
    }
  }
}
