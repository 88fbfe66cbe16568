/**
 * The benchmark's own servers: a token endpoint and a protected resource, each
 * plain `node:http` on 127.0.0.1 in a process of its own (as in production, a
 * refresh never queues behind the API's backlog), each with a control port.
 * Deliberately tiny: self-describing opaque tokens, no JWT signature, no
 * database, so server cost stays out of the client numbers. The project's
 * full oidc-provider setup lives in `tests/servers/` for the integration tests.
 *
 * An access token reads `at.<grant>.<issued ms>.<exp s>.<random>`: the resource
 * server checks it without asking the token server, which only tells it (over
 * its control port) when a grant is revoked.
 */
import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** How the token endpoint behaves; changed between phases through the control port. */
export interface ServerConfig {
  /** Access-token lifetime in whole seconds, checked at whole-second granularity like a JWT `exp`. */
  accessTtl: number
  /** Single-use refresh tokens; presenting a used one revokes the whole grant (RFC 9700 §4.14.2). */
  rotation: boolean
  /** `ok` issues tokens; `invalid_grant` refuses every refresh (RFC 6749 §5.2). */
  refreshMode: 'ok' | 'invalid_grant'
  /** Milliseconds the token endpoint waits before answering. */
  refreshDelayMs: number
}

export const defaultConfig: ServerConfig = { accessTtl: 3600, rotation: true, refreshMode: 'ok', refreshDelayMs: 0 }

export interface TokenServerStats {
  /** POSTs to the token endpoint, both styles. */
  refreshCalls: number
  formRefreshCalls: number
  jsonRefreshCalls: number
  refreshIssued: number
  refreshRefused: number
  /** A spent refresh token was presented again: the grant was revoked. */
  reuseDetected: number
  /** Most refreshes in progress at once. */
  refreshPeakConcurrency: number
}

export interface ResourceServerStats {
  resourceOk: number
  /** 401s the resource server sent. */
  resource401: number
  /** TCP connections the resource server accepted. */
  resourceConnections: number
}

export type ServerStats = TokenServerStats & ResourceServerStats

/** Where everything is, as handed to the trial processes. */
export interface ServerUrls {
  /** POST here: `application/x-www-form-urlencoded` (RFC 6749 §6) or JSON `{"refreshToken"}`. */
  token: string
  /** GET here with `Authorization: Bearer ...`. */
  resource: string
  resourceOrigin: string
  tokenControl: string
  resourceControl: string
}

/** An RFC 6749 §5.1 token response, as `/issue` and the form-style token endpoint answer. */
export interface OAuthTokenResponse {
  access_token: string
  token_type: 'Bearer'
  expires_in: number
  refresh_token: string
}

const nowSeconds = (): number => Math.floor(Date.now() / 1000)
const random = (): string => randomBytes(9).toString('base64url')

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of request) {
    const buffer = chunk as Buffer
    size += buffer.length
    // Bounded: nothing in this benchmark sends more than a few hundred bytes.
    if (size > 64 * 1024) throw new Error('body too large')
    chunks.push(buffer)
  }
  return Buffer.concat(chunks).toString('utf8')
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body)
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  })
  response.end(text)
}

function httpServer(handler: (request: IncomingMessage, response: ServerResponse) => Promise<void> | void): Server {
  const server = createServer((request, response) => {
    Promise.resolve(handler(request, response)).catch((error: unknown) => {
      if (!response.headersSent) sendJson(response, 500, { error: 'server_error', error_description: String(error) })
      else response.destroy()
    })
  })
  // Idle connections survive the pauses between a trial's phases.
  server.keepAliveTimeout = 30_000
  server.headersTimeout = 35_000
  return server
}

async function listen(server: Server): Promise<string> {
  // A deep backlog: a storm opens up to 1000 connections at once.
  await new Promise<void>((resolve) => server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, resolve))
  const { port } = server.address() as AddressInfo
  return `http://127.0.0.1:${port}`
}

function closeAll(servers: Server[]): Promise<void> {
  return Promise.all(
    servers.map(
      (server) =>
        new Promise<void>((resolve) => {
          server.closeAllConnections()
          server.close(() => resolve())
        }),
    ),
  ).then(() => undefined)
}

const pathOf = (request: IncomingMessage): string => new URL(request.url ?? '/', 'http://control').pathname

export interface RunningServer<TUrls> {
  urls: TUrls
  close(): Promise<void>
}

/**
 * The resource server: `GET /resource` answers 200 `{"ok":true}` to a live
 * token, else 401 with `WWW-Authenticate: Bearer error="invalid_token"`.
 * Control: `/reset`, `/revoke-access` (every token issued so far dies),
 * `/revoke-grant` `{grant}`, `/reset-stats`, `/stats`.
 */
export async function startResourceServer(): Promise<RunningServer<{ resource: string; origin: string; control: string }>> {
  let stats: ResourceServerStats = { resourceOk: 0, resource401: 0, resourceConnections: 0 }
  let revokedBefore = 0
  let revokedGrants = new Set<number>()

  const live = (token: string | undefined): boolean => {
    if (token === undefined) return false
    const [kind, grant, issued, exp] = token.split('.', 4)
    if (kind !== 'at') return false
    // Whole seconds, as a JWT `exp` is checked: a token issued at x.9 s with a 1 s lifetime lives 0.1 s.
    return Number(issued) > revokedBefore && nowSeconds() < Number(exp) && !revokedGrants.has(Number(grant))
  }

  const okBody = JSON.stringify({ ok: true })
  const rejectedBody = JSON.stringify({ error: 'invalid_token' })
  const resource = httpServer((request, response) => {
    const header = request.headers.authorization
    if (live(header?.startsWith('Bearer ') ? header.slice(7) : undefined)) {
      stats.resourceOk++
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': okBody.length })
      response.end(okBody)
    } else {
      stats.resource401++
      response.writeHead(401, {
        'content-type': 'application/json',
        'content-length': rejectedBody.length,
        // RFC 6750 §3.1: the token is to blame, so a refresh may help.
        'www-authenticate': 'Bearer realm="bench", error="invalid_token"',
      })
      response.end(rejectedBody)
    }
    request.resume()
  })
  resource.on('connection', () => void stats.resourceConnections++)

  const control = httpServer(async (request, response) => {
    const body = request.method === 'POST' ? await readBody(request) : ''
    switch (pathOf(request)) {
      case '/reset':
        stats = { resourceOk: 0, resource401: 0, resourceConnections: 0 }
        revokedBefore = 0
        revokedGrants = new Set()
        return sendJson(response, 200, { ok: true })
      case '/revoke-access':
        // Every access token issued until now dies at once; refresh tokens stay good.
        revokedBefore = Date.now()
        return sendJson(response, 200, { ok: true })
      case '/revoke-grant':
        revokedGrants.add((JSON.parse(body) as { grant: number }).grant)
        return sendJson(response, 200, { ok: true })
      case '/reset-stats':
        stats = { resourceOk: 0, resource401: 0, resourceConnections: 0 }
        return sendJson(response, 200, { ok: true })
      case '/stats':
        return sendJson(response, 200, stats)
      default:
        return sendJson(response, 404, { error: 'not_found' })
    }
  })

  const [origin, controlOrigin] = await Promise.all([listen(resource), listen(control)])
  return {
    urls: { resource: `${origin}/resource`, origin, control: controlOrigin },
    close: () => closeAll([resource, control]),
  }
}

/**
 * The token server: `POST /token` with a form (`grant_type=refresh_token`,
 * RFC 6749 §6) answers RFC 6749 §5.1 JSON; with JSON `{"refreshToken"}` it
 * answers `{"accessToken","refreshToken","expiresIn"}`. Refusals are 400
 * `{"error":"invalid_grant"}` in both styles. Control: `/reset` and `/config`
 * (a partial `ServerConfig`), `/issue` (a new grant, as a login would),
 * `/reset-stats`, `/stats`.
 */
export async function startTokenServer(resourceControl: string): Promise<RunningServer<{ token: string; control: string }>> {
  let config: ServerConfig = { ...defaultConfig }
  const emptyStats = (): TokenServerStats => ({
    refreshCalls: 0,
    formRefreshCalls: 0,
    jsonRefreshCalls: 0,
    refreshIssued: 0,
    refreshRefused: 0,
    reuseDetected: 0,
    refreshPeakConcurrency: 0,
  })
  let stats = emptyStats()
  // Grant numbers are never reused, so a reset cannot revive an old grant's tokens.
  let lastGrant = 0
  let refreshTokens = new Map<string, { grant: number; used: boolean }>()
  let revokedGrants = new Set<number>()
  let inProgress = 0

  const issue = (grant: number): OAuthTokenResponse => {
    const refreshToken = `rt.${grant}.${random()}`
    refreshTokens.set(refreshToken, { grant, used: false })
    return {
      access_token: `at.${grant}.${Date.now()}.${nowSeconds() + config.accessTtl}.${random()}`,
      token_type: 'Bearer',
      expires_in: config.accessTtl,
      refresh_token: refreshToken,
    }
  }

  const revokeGrant = async (grant: number): Promise<void> => {
    revokedGrants.add(grant)
    // The resource server learns before the refusal goes out, so no access token of the grant outlives it.
    const answer = await fetch(`${resourceControl}/revoke-grant`, {
      method: 'POST',
      body: JSON.stringify({ grant }),
      signal: AbortSignal.timeout(5_000),
    })
    await answer.arrayBuffer()
  }

  /** RFC 6749 §6 with rotation; undefined means invalid_grant. */
  const redeem = async (presented: string | undefined): Promise<OAuthTokenResponse | undefined> => {
    if (config.refreshMode === 'invalid_grant' || presented === undefined) return undefined
    const entry = refreshTokens.get(presented)
    if (entry === undefined || revokedGrants.has(entry.grant)) return undefined
    if (config.rotation) {
      if (entry.used) {
        // RFC 9700 §4.14.2: a replayed refresh token means it leaked; end the grant.
        stats.reuseDetected++
        await revokeGrant(entry.grant)
        return undefined
      }
      entry.used = true
    }
    return issue(entry.grant)
  }

  const token = httpServer(async (request, response) => {
    if (request.method !== 'POST') return sendJson(response, 405, { error: 'invalid_request' })
    stats.refreshCalls++
    inProgress++
    stats.refreshPeakConcurrency = Math.max(stats.refreshPeakConcurrency, inProgress)
    try {
      const body = await readBody(request)
      const isForm = (request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')
      let presented: string | undefined
      if (isForm) {
        stats.formRefreshCalls++
        const form = new URLSearchParams(body)
        if (form.get('grant_type') !== 'refresh_token') return sendJson(response, 400, { error: 'unsupported_grant_type' })
        presented = form.get('refresh_token') ?? undefined
      } else {
        stats.jsonRefreshCalls++
        const json = JSON.parse(body) as { refreshToken?: unknown }
        presented = typeof json.refreshToken === 'string' ? json.refreshToken : undefined
      }
      if (config.refreshDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, config.refreshDelayMs))
      const issued = await redeem(presented)
      if (issued === undefined) {
        stats.refreshRefused++
        return sendJson(response, 400, { error: 'invalid_grant', error_description: 'refresh token invalid, spent or revoked' })
      }
      stats.refreshIssued++
      if (isForm) return sendJson(response, 200, issued)
      return sendJson(response, 200, {
        accessToken: issued.access_token,
        refreshToken: issued.refresh_token,
        expiresIn: issued.expires_in,
      })
    } finally {
      inProgress--
    }
  })

  const control = httpServer(async (request, response) => {
    const body = request.method === 'POST' ? await readBody(request) : ''
    const partial = (): Partial<ServerConfig> => (body === '' ? {} : (JSON.parse(body) as Partial<ServerConfig>))
    switch (pathOf(request)) {
      case '/reset':
        config = { ...defaultConfig, ...partial() }
        stats = emptyStats()
        refreshTokens = new Map()
        revokedGrants = new Set()
        return sendJson(response, 200, config)
      case '/config':
        config = { ...config, ...partial() }
        return sendJson(response, 200, config)
      case '/issue':
        return sendJson(response, 200, issue(++lastGrant))
      case '/reset-stats':
        stats = emptyStats()
        return sendJson(response, 200, { ok: true })
      case '/stats':
        return sendJson(response, 200, stats)
      default:
        return sendJson(response, 404, { error: 'not_found' })
    }
  })

  const [origin, controlOrigin] = await Promise.all([listen(token), listen(control)])
  return { urls: { token: `${origin}/token`, control: controlOrigin }, close: () => closeAll([token, control]) }
}

/** The trial side of both control ports. */
export function controlClient(urls: ServerUrls) {
  const call = async <T>(origin: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${origin}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
      signal: AbortSignal.timeout(10_000),
    })
    if (!response.ok) throw new Error(`control ${path}: HTTP ${response.status}`)
    return (await response.json()) as T
  }
  const both = (path: string) =>
    Promise.all([call(urls.tokenControl, path, {}), call(urls.resourceControl, path, {})]).then(() => undefined)
  return {
    /** Forgets every grant and count, and applies `config` over the defaults. */
    reset: (config: Partial<ServerConfig> = {}) =>
      Promise.all([call(urls.tokenControl, '/reset', config), call(urls.resourceControl, '/reset', {})]).then(() => undefined),
    configure: (config: Partial<ServerConfig>) => call<ServerConfig>(urls.tokenControl, '/config', config),
    /** A fresh grant, as the app's login would hand it over. */
    issue: () => call<OAuthTokenResponse>(urls.tokenControl, '/issue', {}),
    revokeAccess: () => call<{ ok: true }>(urls.resourceControl, '/revoke-access', {}),
    resetStats: () => both('/reset-stats'),
    async stats(): Promise<ServerStats> {
      const [token, resource] = await Promise.all([
        call<TokenServerStats>(urls.tokenControl, '/stats'),
        call<ResourceServerStats>(urls.resourceControl, '/stats'),
      ])
      return { ...token, ...resource }
    },
  }
}

export type ControlClient = ReturnType<typeof controlClient>
