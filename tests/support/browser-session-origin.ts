import type { IncomingMessage, ServerResponse } from 'node:http'
import { build } from 'esbuild'
import { createHttpTestServer, readBody, type HttpTestServer } from './http-test-server.js'

/** What the authorization server saw, counted exactly. */
export interface GrantCounts {
  /** Refresh grants that rotated a valid refresh token. */
  refreshes: number
  /** Refresh grants that presented a refresh token already used once (RFC 9700 §4.14.2). */
  reuses: number
  /** Grants revoked because of a reuse. */
  revocations: number
  /** Refresh grants refused for any other reason (unknown token, grant already revoked). */
  refused: number
  /** Held refresh grants whose client went away before the answer: never processed, so their token stays valid. */
  abandoned: number
}

/**
 * One origin on 127.0.0.1 for a page, the library bundled for it, a token
 * endpoint with rotation and reuse detection, and a resource route: tabs on it
 * talk to everything same-origin, so no CORS is involved.
 *
 * Routes: `/` the page, `/bundle.js` the library as the global `trm`,
 * `POST /issue` a fresh grant (what a login would return), `POST /token`
 * (RFC 6749 §6 refresh grant, form-encoded), `/data` (200 for a live access
 * token, 401 `invalid_token` otherwise, RFC 6750 §3.1).
 */
export interface BrowserSessionOrigin {
  origin: string
  url(path: string): string
  counts: GrantCounts
  /** Makes every access token issued so far invalid, as an expiry would. */
  expireAccessTokens(): void
  /**
   * Holds the next refresh grant before it is processed; `arrived` resolves once it is held. A grant whose
   * client disconnects meanwhile is dropped unprocessed (counted in `abandoned`); `release` lets it through otherwise.
   */
  holdNextRefresh(): { arrived: Promise<void>; release: () => void }
  /** Requests `/data` received, with or without a token. */
  resourceRequests: number
  /** The grant (1 for the first `/issue`, 2 for the next...) of the token each `/data` request carried, in order. */
  grantsSeen: Array<number | undefined>
  /** Every token issued for grant `id`, rotated ones included. */
  tokensOf(id: number): string[]
  close(): Promise<void>
}

interface Grant {
  id: number
  revoked: boolean
  tokens: string[]
}

async function bundleLibrary(entry: string): Promise<string> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    format: 'iife',
    globalName: 'trm',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  })
  return result.outputFiles[0]!.text
}

export async function startBrowserSessionOrigin(entry: string): Promise<BrowserSessionOrigin> {
  const script = await bundleLibrary(entry)
  let counter = 0
  const access = new Map<string, Grant>()
  const refresh = new Map<string, { grant: Grant; used: boolean }>()
  let gate: { wait: Promise<void>; arrived: () => void } | undefined
  const unreleased = new Set<() => void>()

  const grants: Grant[] = []
  function issue(grant: Grant) {
    counter++
    access.set(`at-${counter}`, grant)
    refresh.set(`rt-${counter}`, { grant, used: false })
    grant.tokens.push(`at-${counter}`, `rt-${counter}`)
    return { access_token: `at-${counter}`, refresh_token: `rt-${counter}`, token_type: 'Bearer', expires_in: 300 }
  }

  function json(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
    response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers })
    response.end(JSON.stringify(body))
  }

  async function token(request: IncomingMessage, response: ServerResponse) {
    const form = new URLSearchParams(await readBody(request))
    if (form.get('grant_type') !== 'refresh_token' || form.get('client_id') !== 'spa') {
      return json(response, 400, { error: 'invalid_request' })
    }
    if (gate) {
      const { wait, arrived } = gate
      gate = undefined
      const closed = new Promise<'closed'>((resolve) => response.once('close', () => resolve('closed')))
      arrived()
      if ((await Promise.race([wait, closed])) === 'closed') {
        origin.counts.abandoned++
        return
      }
    }
    const entry = refresh.get(form.get('refresh_token') ?? '')
    if (entry === undefined || entry.grant.revoked) {
      origin.counts.refused++
      return json(response, 400, { error: 'invalid_grant' })
    }
    if (entry.used) {
      // Reuse detection: the whole grant dies, every token of it with it.
      origin.counts.reuses++
      origin.counts.revocations++
      entry.grant.revoked = true
      return json(response, 400, { error: 'invalid_grant' })
    }
    entry.used = true
    origin.counts.refreshes++
    json(response, 200, issue(entry.grant))
  }

  function data(request: IncomingMessage, response: ServerResponse) {
    origin.resourceRequests++
    const presented = request.headers.authorization?.match(/^Bearer (.+)$/)?.[1]
    const grant = presented === undefined ? undefined : access.get(presented)
    origin.grantsSeen.push(grants.find((candidate) => candidate.tokens.includes(presented ?? ''))?.id)
    if (grant === undefined || grant.revoked) {
      response.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"' })
      response.end()
    } else {
      json(response, 200, { ok: true })
    }
  }

  const server: HttpTestServer = await createHttpTestServer(async (request, response) => {
    const path = request.url ?? '/'
    if (path === '/bundle.js') {
      response.writeHead(200, { 'content-type': 'text/javascript' })
      response.end(script)
    } else if (path === '/issue' && request.method === 'POST') {
      const grant: Grant = { id: grants.length + 1, revoked: false, tokens: [] }
      grants.push(grant)
      json(response, 200, issue(grant))
    } else if (path === '/token' && request.method === 'POST') {
      await token(request, response)
    } else if (path === '/data') {
      data(request, response)
    } else if (path === '/') {
      response.writeHead(200, { 'content-type': 'text/html' })
      response.end('<!doctype html><title>sessions</title><script src="/bundle.js"></script>')
    } else {
      response.writeHead(404)
      response.end()
    }
  })

  const origin: BrowserSessionOrigin = {
    origin: server.origin,
    url: (path) => server.url(path),
    counts: { refreshes: 0, reuses: 0, revocations: 0, refused: 0, abandoned: 0 },
    resourceRequests: 0,
    grantsSeen: [],
    tokensOf: (id) => grants[id - 1]?.tokens ?? [],
    expireAccessTokens: () => access.clear(),
    holdNextRefresh() {
      let release!: () => void
      let arrived!: () => void
      const wait = new Promise<void>((resolve) => (release = resolve))
      const arrival = new Promise<void>((resolve) => (arrived = resolve))
      gate = { wait, arrived }
      unreleased.add(release)
      return {
        arrived: arrival,
        release: () => {
          unreleased.delete(release)
          release()
        },
      }
    },
    close: async () => {
      gate = undefined
      for (const release of unreleased) release()
      await server.close()
    },
  }
  return origin
}
