import type { IncomingMessage, ServerResponse } from 'node:http'
import { createHttpTestServer, readBody, type HttpTestServer } from './http-test-server.js'

/** How the token endpoint answers the next refresh grants. */
export type TokenEndpointMode = 'ok' | 'invalid_grant' | 'server_error' | 'rate_limited' | 'invalid_response' | 'no_rotation'

export interface SeenRequest {
  method: string
  path: string
  authorization: string | undefined
  body: string
}

/**
 * A real HTTP API on 127.0.0.1 with a tiny token endpoint beside it: enough
 * to put the session through every outcome, with exact counts. Access tokens
 * are `at-N`, refresh tokens `rt-N`; rotation is on (each refresh token works
 * once, like a real server with reuse detection).
 */
export interface FakeApi {
  server: HttpTestServer
  origin: string
  url(path: string): string
  tokenUrl: string
  /** Every resource request as it arrived. */
  seen: SeenRequest[]
  /** Refresh grants received, and the refresh tokens they carried. */
  refreshes: string[]
  /** `POST /revoke` (RFC 7009): the tokens revoked, in order. */
  revoked: string[]
  revokeUrl: string
  mode: TokenEndpointMode
  /** Answers the next refresh grants with these modes, one each, before falling back to `mode`. */
  script: TokenEndpointMode[]
  /** The `expires_in` of the token sets it issues. */
  expiresIn: number
  /** Resolve to let held refresh answers out; `hold()` arms it. */
  hold(): () => void
  /** Holds resource requests whose path starts with a prefix until released. */
  holdResources(prefix: string): () => void
  /** Makes every access token issued so far invalid (as an expiry would). */
  expireAccessTokens(): void
  /** A token set the login would give: a new sign-in, or (`of`) tokens of an existing family. */
  issue(of?: string): { access_token: string; refresh_token: string; token_type: 'Bearer'; expires_in: number }
  /** The sign-in a token descends from (`sign-in-N`, after the sign-in's `at-N`), across rotations. */
  familyOf(token: string): string | undefined
  close(): Promise<void>
}

export interface FakeApiOptions {
  /**
   * A clock for the server: given one, access tokens also die at the end of
   * their `expires_in`, as on a real server. Without one they live until
   * `expireAccessTokens()`.
   */
  now?: () => number
}

export async function startFakeApi(options: FakeApiOptions = {}): Promise<FakeApi> {
  let counter = 0
  const validAccess = new Map<string, number>()
  const validRefresh = new Set<string>()
  let gate: Promise<void> | undefined
  const resourceGates = new Map<string, Promise<void>>()

  /** Which sign-in each token descends from: a refresh keeps the family of the refresh token presented. */
  const family = new Map<string, string>()

  function issue(of?: string) {
    counter++
    const access = `at-${counter}`
    const refresh = `rt-${counter}`
    validAccess.set(access, options.now ? options.now() + api.expiresIn * 1000 : Infinity)
    validRefresh.add(refresh)
    const name = of ?? `sign-in-${counter}`
    family.set(access, name).set(refresh, name)
    return { access_token: access, refresh_token: refresh, token_type: 'Bearer' as const, expires_in: api.expiresIn }
  }

  function json(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
    response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers })
    response.end(JSON.stringify(body))
  }

  async function token(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const form = new URLSearchParams(await readBody(request))
    const presented = form.get('refresh_token') ?? ''
    api.refreshes.push(presented)
    if (gate) await gate
    switch (api.script.shift() ?? api.mode) {
      case 'server_error':
        return json(response, 503, { error: 'temporarily_unavailable' })
      case 'rate_limited':
        return json(response, 429, { error: 'slow_down' }, { 'retry-after': '7' })
      case 'invalid_response':
        return json(response, 200, { access_token: 'at-bad', token_type: 'mac' })
      case 'invalid_grant':
        return json(response, 400, { error: 'invalid_grant' })
      default:
        if (!validRefresh.delete(presented)) return json(response, 400, { error: 'invalid_grant' })
        if (api.mode === 'no_rotation') {
          validRefresh.add(presented)
          const { refresh_token: _unused, ...rest } = issue(family.get(presented))
          return json(response, 200, rest)
        }
        json(response, 200, issue(family.get(presented)))
    }
  }

  async function resource(request: IncomingMessage, response: ServerResponse, path: string) {
    const authorization = request.headers.authorization
    const body = await readBody(request)
    api.seen.push({ method: request.method ?? 'GET', path, authorization, body })
    for (const [prefix, wait] of resourceGates) if (path.startsWith(prefix)) await wait
    const presented = authorization?.startsWith('Bearer ') ? authorization.slice(7) : undefined
    const live = presented !== undefined && (validAccess.get(presented) ?? 0) > (options.now?.() ?? 0)
    // APIs that say "expired" without RFC 6750: GraphQL's 200 + UNAUTHENTICATED, and a legacy 403.
    if (path.startsWith('/graphql')) {
      return json(
        response,
        200,
        live ? { data: { path } } : { errors: [{ message: 'expired', extensions: { code: 'UNAUTHENTICATED' } }] },
      )
    }
    if (path.startsWith('/legacy'))
      return live ? json(response, 200, { ok: true, path }) : json(response, 403, { code: 'token_expired' })
    if (path.startsWith('/forbidden')) {
      response.writeHead(403, { 'www-authenticate': 'Bearer error="insufficient_scope", scope="admin"' })
      response.end()
    } else if (presented === undefined || !((validAccess.get(presented) ?? 0) > (options.now?.() ?? 0))) {
      response.writeHead(401, { 'www-authenticate': 'Bearer realm="api", error="invalid_token"' })
      response.end()
    } else if (path.startsWith('/invalid-request')) {
      response.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_request"' })
      response.end()
    } else {
      json(response, 200, { ok: true, path, body })
    }
  }

  const server = await createHttpTestServer(async (request, response) => {
    const path = request.url ?? '/'
    if (path === '/token' && request.method === 'POST') await token(request, response)
    else if (path === '/revoke' && request.method === 'POST') {
      // RFC 7009 §2.2: 200 whether or not the token was valid.
      const presented = new URLSearchParams(await readBody(request)).get('token') ?? ''
      api.revoked.push(presented)
      validRefresh.delete(presented)
      response.writeHead(200).end()
    } else await resource(request, response, path)
  })

  const api: FakeApi = {
    server,
    origin: server.origin,
    url: (path) => server.url(path),
    tokenUrl: server.url('/token'),
    revokeUrl: server.url('/revoke'),
    seen: [],
    refreshes: [],
    revoked: [],
    mode: 'ok',
    script: [],
    expiresIn: 300,
    hold() {
      let release!: () => void
      gate = new Promise<void>((resolve) => (release = resolve))
      return () => {
        gate = undefined
        release()
      }
    },
    holdResources(prefix) {
      let release!: () => void
      resourceGates.set(prefix, new Promise<void>((resolve) => (release = resolve)))
      return () => {
        resourceGates.delete(prefix)
        release()
      }
    },
    expireAccessTokens: () => validAccess.clear(),
    issue,
    familyOf: (token) => family.get(token),
    close: () => server.close(),
  }
  return api
}
