import type { IncomingMessage, ServerResponse } from 'node:http'

import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from 'jose'

import { closeServer, listenOnLoopback, originOf } from './loopback.js'

/** Where to find the authorization server whose access tokens this API accepts. */
export interface ResourceServerOptions {
  /** Expected `iss` of access tokens. */
  issuer: string
  /** Where the issuer publishes its signing keys. */
  jwksUri: string
  /** Expected `aud` of access tokens: the resource indicator the tokens were issued for. */
  audience: string
  /**
   * Answers cross-origin requests (CORS) from loopback pages, as a real API does for its SPA:
   * `Authorization` may be sent, `WWW-Authenticate` may be read (the session needs the challenge).
   * @default false
   */
  cors?: boolean
}

/** Exact counts of responses by outcome, since start or `resetCounts()`. */
export interface ResourceServerCounts {
  requests: number
  /** 2xx and 3xx: the token was accepted. */
  ok: number
  /** 401: no token, or an invalid or expired one. */
  unauthorized: number
  /** 403: a valid token without the needed scope. */
  forbidden: number
}

/** A protected API on 127.0.0.1 that accepts RFC 9068 JWT access tokens. */
export interface ResourceServer {
  /** Same as `origin`: the base URL to append paths to. */
  url: string
  /** `http://127.0.0.1:PORT` */
  origin: string
  counts: ResourceServerCounts
  /** Every body `POST /echo` received, with its `content-type`, whatever the answer: both sends of a replayed request. */
  echoes: Array<{ contentType: string | undefined; body: string }>
  resetCounts(): void
  close(): Promise<void>
}

const REALM = 'api'
const READ_SCOPE = 'api:read'
const ADMIN_SCOPE = 'api:admin'
const ITEMS = ['Invoices', 'Orders', 'Shipments']
const LOOPBACK_ORIGIN = /^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?$/

type Send = (status: number, body: string, headers?: Record<string, string>) => void
type Route = (request: { url: URL; body: string; token: JWTPayload }, send: Send) => void

/**
 * Starts the API. Every route needs a valid access token with scope `api:read`:
 * - `GET /data` → 200 `{ ok: true, sub, n }`, n counting successful calls from 1
 * - `GET /items` → 200 `{ sub, n, items: [{ id, name }] }`, the list the framework examples show
 * - `GET /admin` → 403 insufficient_scope (needs `api:admin`, which no token carries)
 * - `POST /echo` → 200 with the request body as text, to check body replay after a refresh
 * - `GET /redirect-away?to=URL` → 302 to URL, to check a token does not follow to another origin
 * - `GET /slow?ms=N` → 200 after N ms
 *
 * Failures follow RFC 6750 §3: 401 with `WWW-Authenticate: Bearer realm="api"` when no token
 * was sent, 401 `error="invalid_token"` when it is invalid or expired.
 */
export async function startResourceServer(options: ResourceServerOptions): Promise<ResourceServer> {
  // One key set for the server's life: jose caches the keys and refetches only for an unknown kid.
  const keys = createRemoteJWKSet(new URL(options.jwksUri))
  // Fetch now, so the first request is fast and verification keeps working while the issuer is paused.
  await keys.reload()

  const counts = zeroCounts()
  const echoes: ResourceServer['echoes'] = []
  let dataCalls = 0
  const pending = new Set<NodeJS.Timeout>()
  const routes: Record<string, Route> = {
    'GET /data': ({ token }, send) => {
      dataCalls += 1
      send(200, JSON.stringify({ ok: true, sub: token.sub, n: dataCalls }), { 'content-type': 'application/json' })
    },
    'GET /items': ({ token }, send) => {
      dataCalls += 1
      const items = ITEMS.map((name, index) => ({ id: index + 1, name }))
      send(200, JSON.stringify({ sub: token.sub, n: dataCalls, items }), { 'content-type': 'application/json' })
    },
    'GET /admin': ({ token }, send) => {
      // RFC 6750 §3.1: a valid token that lacks scope is a 403, which must not trigger a refresh.
      if (!scopesOf(token).has(ADMIN_SCOPE)) {
        send(403, '', { 'www-authenticate': challenge({ error: 'insufficient_scope', scope: ADMIN_SCOPE }) })
        return
      }
      send(200, JSON.stringify({ ok: true }), { 'content-type': 'application/json' })
    },
    'POST /echo': ({ body }, send) => send(200, body, { 'content-type': 'text/plain' }),
    'GET /redirect-away': ({ url }, send) => send(302, '', { location: url.searchParams.get('to') ?? '/' }),
    'GET /slow': ({ url }, send) => {
      const timer = setTimeout(
        () => {
          pending.delete(timer)
          send(200, 'slow', { 'content-type': 'text/plain' })
        },
        Number(url.searchParams.get('ms') ?? 0),
      )
      pending.add(timer)
    },
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const origin = request.headers.origin
    if (options.cors === true && origin !== undefined && LOOPBACK_ORIGIN.test(origin)) {
      response.setHeader('access-control-allow-origin', origin)
      response.setHeader('access-control-expose-headers', 'WWW-Authenticate')
      response.setHeader('vary', 'Origin')
      if (request.method === 'OPTIONS') {
        response.writeHead(204, {
          'access-control-allow-methods': 'GET, POST',
          'access-control-allow-headers': 'Authorization, Content-Type',
          'access-control-max-age': '600',
        })
        response.end()
        return
      }
    }
    counts.requests += 1
    const send: Send = (status, body, headers = {}) => {
      if (status < 400) counts.ok += 1
      if (status === 401) counts.unauthorized += 1
      if (status === 403) counts.forbidden += 1
      response.writeHead(status, headers).end(body)
    }
    // Read the body before answering, whatever the outcome, so keep-alive connections stay clean.
    const body = await readBody(request)
    const url = new URL(request.url ?? '/', 'http://127.0.0.1')
    if (url.pathname === '/echo') echoes.push({ contentType: request.headers['content-type'], body })
    const route = routes[`${request.method ?? 'GET'} ${url.pathname}`]
    if (route === undefined) return send(404, 'not found', { 'content-type': 'text/plain' })

    const bearer = bearerTokenOf(request)
    if (bearer === undefined) return send(401, '', { 'www-authenticate': challenge({}) })
    let token: JWTPayload
    try {
      ;({ payload: token } = await jwtVerify(bearer, keys, {
        issuer: options.issuer,
        audience: options.audience,
        typ: 'at+jwt',
      }))
    } catch (error) {
      const description = describeRejection(error)
      return send(401, '', { 'www-authenticate': challenge({ error: 'invalid_token', error_description: description }) })
    }
    if (!scopesOf(token).has(READ_SCOPE)) {
      return send(403, '', { 'www-authenticate': challenge({ error: 'insufficient_scope', scope: READ_SCOPE }) })
    }
    route({ url, body, token }, send)
  }

  const server = await listenOnLoopback((request, response) => {
    handle(request, response).catch((error: unknown) => {
      console.error('resource server:', error)
      if (!response.headersSent) response.writeHead(500).end()
    })
  })
  const origin = originOf(server)
  return {
    url: origin,
    origin,
    counts,
    echoes,
    resetCounts: () => {
      Object.assign(counts, zeroCounts())
      echoes.length = 0
    },
    async close() {
      for (const timer of pending) clearTimeout(timer)
      pending.clear()
      await closeServer(server)
    },
  }
}

function zeroCounts(): ResourceServerCounts {
  return { requests: 0, ok: 0, unauthorized: 0, forbidden: 0 }
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of request) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

/** RFC 6750 §2.1; any other scheme counts as no token at all. */
function bearerTokenOf(request: IncomingMessage): string | undefined {
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i.exec(request.headers.authorization ?? '')
  return match?.[1]
}

function scopesOf(token: JWTPayload): Set<string> {
  return new Set(typeof token['scope'] === 'string' ? token['scope'].split(' ') : [])
}

/** RFC 6750 §3: the realm, then any error attributes. Values are fixed strings without quotes. */
function challenge(attributes: Record<string, string>): string {
  const parts = Object.entries({ realm: REALM, ...attributes }).map(([name, value]) => `${name}="${value}"`)
  return `Bearer ${parts.join(', ')}`
}

/**
 * A short reason for the client's logs. jose's own messages quote claim names, and RFC 6750
 * §3 forbids `"` and `\` in error_description, so map to our own wording.
 */
function describeRejection(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'The access token expired'
  if (error instanceof errors.JWTClaimValidationFailed) return `The access token has an unexpected ${error.claim} claim`
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'The access token signature is invalid'
  if (error instanceof errors.JWKSNoMatchingKey) return 'The access token was signed by an unknown key'
  return 'The access token is malformed or invalid'
}
