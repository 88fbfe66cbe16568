import type { ServerResponse } from 'node:http'
import { describe, expect, it, vi } from 'vitest'
import { oauth2TokenEndpoint, type OAuth2TokenEndpointOptions } from '../../adapters/oauth2-token-endpoint.js'
import { ConfigurationError, InvalidTokenResponseError, RefreshError, RevocationError } from '../../machines/errors.js'
import type { FetchFunction } from '../../machines/ports.js'
import { closeLatest, reply, serve as serveRecording } from '../support/recording-endpoint.js'

const REFRESH = 'rt-SECRET/+= 9c1d'
const ACCESS = 'at-SECRET-51e7aa'
const NEW_REFRESH = 'rt-SECRET-rotated-03f2'

/** A real server on 127.0.0.1 that records every request and lets `answer` reply (or not). */
async function serve(answer?: (response: ServerResponse) => void) {
  const { received, server } = await serveRecording(answer)
  return { received, tokenUrl: server.url('/token'), revokeUrl: server.url('/revoke') }
}

const tokens = { access_token: ACCESS, token_type: 'Bearer', expires_in: 300, refresh_token: NEW_REFRESH }
const signal = () => new AbortController().signal
const form = (body: string) => Object.fromEntries(new URLSearchParams(body))

function expectNoTokens(error: unknown): void {
  for (let current = error; current instanceof Error; current = current.cause) {
    for (const token of [REFRESH, ACCESS, NEW_REFRESH]) {
      expect(current.message).not.toContain(token)
      expect(String(current.stack)).not.toContain(token)
    }
  }
}

/** The rejection of `promise`, checked to be a `T` that names no token. */
async function rejection<T>(promise: Promise<unknown>, type: new (...args: never[]) => T): Promise<T> {
  const error = await promise.then(
    () => expect.unreachable('expected a rejection'),
    (reason: unknown) => reason,
  )
  expect(error).toBeInstanceOf(type)
  expectNoTokens(error)
  return error as T
}

async function endpointFor(answer: (response: ServerResponse) => void, options: Partial<OAuth2TokenEndpointOptions> = {}) {
  const server = await serve(answer)
  return { ...server, endpoint: oauth2TokenEndpoint({ url: server.tokenUrl, clientId: 'spa', ...options }) }
}

describe('refresh on the wire', () => {
  it('posts the refresh_token grant as a form, with client_id for a public client', async () => {
    const { endpoint, received } = await endpointFor(reply(200, tokens))
    await endpoint.refresh(REFRESH, { signal: signal() })
    expect(received).toHaveLength(1)
    const [request] = received
    expect(request?.method).toBe('POST')
    expect(request?.path).toBe('/token')
    expect(request?.headers['content-type']).toBe('application/x-www-form-urlencoded')
    expect(request?.headers.accept).toBe('application/json')
    expect(request?.headers.authorization).toBeUndefined()
    expect(request?.headers.cookie).toBeUndefined()
    expect(request?.body).toBe('grant_type=refresh_token&refresh_token=rt-SECRET%2F%2B%3D+9c1d&client_id=spa')
  })

  it('adds the configured scope', async () => {
    const { endpoint, received } = await endpointFor(reply(200, tokens), { scope: 'read write' })
    await endpoint.refresh(REFRESH, { signal: signal() })
    expect(form(received[0]?.body ?? '')).toStrictEqual({
      grant_type: 'refresh_token',
      refresh_token: REFRESH,
      scope: 'read write',
      client_id: 'spa',
    })
  })

  it('authenticates a confidential client with Basic and form-encoded credentials, without client_id in the body', async () => {
    const { endpoint, received } = await endpointFor(reply(200, tokens), { clientId: 'my client', clientSecret: 'p@ss:w/rd' })
    await endpoint.refresh(REFRESH, { signal: signal() })
    // RFC 6749 §2.3.1: base64("my+client:p%40ss%3Aw%2Frd")
    expect(received[0]?.headers.authorization).toBe('Basic bXkrY2xpZW50OnAlNDBzcyUzQXclMkZyZA==')
    expect(form(received[0]?.body ?? '')).toStrictEqual({ grant_type: 'refresh_token', refresh_token: REFRESH })
  })

  it('round-trips any characters in the client id and secret through the Basic header', async () => {
    const clientId = 'id:with +%&=é'
    const clientSecret = "s3cr:t/?#[]@!$&'()*+,;= ü"
    const { endpoint, received } = await endpointFor(reply(200, tokens), { clientId, clientSecret })
    await endpoint.refresh(REFRESH, { signal: signal() })
    const header = received[0]?.headers.authorization ?? ''
    expect(header.startsWith('Basic ')).toBe(true)
    const [id, secret, ...rest] = Buffer.from(header.slice(6), 'base64').toString('latin1').split(':')
    expect(rest).toStrictEqual([])
    const formDecode = (value = '') => new URLSearchParams(`v=${value}`).get('v')
    expect(formDecode(id)).toBe(clientId)
    expect(formDecode(secret)).toBe(clientSecret)
  })

  it('resolves the token set from a 200 answer', async () => {
    const { endpoint } = await endpointFor(reply(200, { ...tokens, scope: 'read', id_token: 'x.y.z' }))
    await expect(endpoint.refresh(REFRESH, { signal: signal() })).resolves.toStrictEqual({
      accessToken: ACCESS,
      expiresIn: 300,
      refreshToken: NEW_REFRESH,
      scope: 'read',
    })
  })

  it('resolves without refreshToken when the server does not rotate it', async () => {
    const { endpoint } = await endpointFor(reply(200, { access_token: ACCESS, token_type: 'bearer' }))
    await expect(endpoint.refresh(REFRESH, { signal: signal() })).resolves.toStrictEqual({ accessToken: ACCESS })
  })
})

describe('refresh outcomes', () => {
  const html = '<html><body>Bad Request</body></html>'
  it.each([
    {
      title: '400 invalid_grant is INVALID_GRANT',
      status: 400,
      body: { error: 'invalid_grant', error_description: `token ${REFRESH} expired` },
      code: 'INVALID_GRANT',
      oauthError: 'invalid_grant',
    },
    {
      title: '401 invalid_grant is INVALID_GRANT',
      status: 401,
      body: { error: 'invalid_grant' },
      code: 'INVALID_GRANT',
      oauthError: 'invalid_grant',
    },
    {
      title: '401 invalid_client is OAUTH_ERROR',
      status: 401,
      body: { error: 'invalid_client' },
      code: 'OAUTH_ERROR',
      oauthError: 'invalid_client',
    },
    {
      title: '400 invalid_scope is OAUTH_ERROR',
      status: 400,
      body: { error: 'invalid_scope' },
      code: 'OAUTH_ERROR',
      oauthError: 'invalid_scope',
    },
    { title: '400 with an HTML body is INVALID_RESPONSE', status: 400, body: html, code: 'INVALID_RESPONSE' },
    { title: '400 with a numeric error is INVALID_RESPONSE', status: 400, body: { error: 42 }, code: 'INVALID_RESPONSE' },
    {
      title: '400 with an error holding a newline is INVALID_RESPONSE',
      status: 400,
      body: { error: 'bad\nthing' },
      code: 'INVALID_RESPONSE',
    },
    { title: '401 without an error member is INVALID_RESPONSE', status: 401, body: {}, code: 'INVALID_RESPONSE' },
    {
      title: '403 is INVALID_RESPONSE even with invalid_grant',
      status: 403,
      body: { error: 'invalid_grant' },
      code: 'INVALID_RESPONSE',
    },
    { title: '404 is INVALID_RESPONSE', status: 404, body: html, code: 'INVALID_RESPONSE' },
    {
      title: '429 is RATE_LIMITED with Retry-After seconds',
      status: 429,
      body: {},
      headers: { 'retry-after': '120' },
      code: 'RATE_LIMITED',
      retryAfter: 120,
    },
    { title: '429 without Retry-After is RATE_LIMITED', status: 429, body: {}, code: 'RATE_LIMITED' },
    {
      title: '429 caps Retry-After at an hour',
      status: 429,
      body: {},
      headers: { 'retry-after': '99999999999999999999' },
      code: 'RATE_LIMITED',
      retryAfter: 3600,
    },
    {
      title: '429 reads a past Retry-After date as 0',
      status: 429,
      body: {},
      headers: { 'retry-after': 'Wed, 21 Oct 2015 07:28:00 GMT' },
      code: 'RATE_LIMITED',
      retryAfter: 0,
    },
    {
      title: '429 ignores a malformed Retry-After',
      status: 429,
      body: {},
      headers: { 'retry-after': '-5' },
      code: 'RATE_LIMITED',
    },
    {
      title: '500 is SERVER_ERROR and ignores Retry-After',
      status: 500,
      body: html,
      headers: { 'retry-after': '30' },
      code: 'SERVER_ERROR',
    },
    { title: '502 is SERVER_ERROR', status: 502, body: html, code: 'SERVER_ERROR' },
    {
      title: '503 is SERVER_ERROR with Retry-After seconds',
      status: 503,
      body: html,
      headers: { 'retry-after': '30' },
      code: 'SERVER_ERROR',
      retryAfter: 30,
    },
  ])('$title', async ({ status, body, headers, code, oauthError, retryAfter }) => {
    const { endpoint } = await endpointFor(reply(status, body, headers))
    const error = await rejection(endpoint.refresh(REFRESH, { signal: signal() }), RefreshError)
    expect({ code: error.code, status: error.status, oauthError: error.oauthError, retryAfter: error.retryAfter }).toStrictEqual({
      code,
      status,
      oauthError,
      retryAfter,
    })
  })

  it('reads a Retry-After HTTP-date as the seconds until then', async () => {
    const at = new Date(Date.now() + 30_000).toUTCString()
    const { endpoint } = await endpointFor(reply(503, '', { 'retry-after': at }))
    const error = await rejection(endpoint.refresh(REFRESH, { signal: signal() }), RefreshError)
    expect(error.code).toBe('SERVER_ERROR')
    expect(error.retryAfter).toBeGreaterThanOrEqual(28)
    expect(error.retryAfter).toBeLessThanOrEqual(30)
  })

  it.each([
    {
      title: 'invalid JSON that holds a token',
      status: 200,
      body: `{"access_token":"${ACCESS}","refresh_token":"${NEW_REFRESH}",`,
      cause: 'the body is not valid UTF-8 JSON',
    },
    { title: 'an empty 204', status: 204, body: '', cause: 'the body is not valid UTF-8 JSON' },
    { title: 'an HTML page', status: 200, body: '<html>Sign in</html>', cause: 'the body is not valid UTF-8 JSON' },
    {
      title: 'a token_type other than Bearer',
      status: 200,
      body: { ...tokens, token_type: 'mac' },
      cause: 'token_type must be "Bearer" or "DPoP", got "mac"',
    },
    {
      title: 'a missing access_token',
      status: 200,
      body: { token_type: 'Bearer', refresh_token: NEW_REFRESH },
      cause: 'access_token is missing',
    },
    {
      title: 'expires_in that is not a number of seconds',
      status: 200,
      body: { ...tokens, expires_in: 'an hour' },
      cause: 'expires_in must be a non-negative number of seconds, got a string',
    },
  ])('a 2xx answer with $title is INVALID_RESPONSE', async ({ status, body, cause }) => {
    const { endpoint } = await endpointFor(reply(status, body))
    const error = await rejection(endpoint.refresh(REFRESH, { signal: signal() }), RefreshError)
    expect(error.code).toBe('INVALID_RESPONSE')
    expect(error.status).toBe(status)
    expect(error.cause).toBeInstanceOf(InvalidTokenResponseError)
    expect((error.cause as Error).message).toContain(cause)
  })

  it.each([301, 302, 303, 307, 308])('does not follow a %i redirect and reports INVALID_RESPONSE', async (status) => {
    const target = await serve(reply(200, tokens))
    const { endpoint } = await endpointFor((response) => {
      response.writeHead(status, { location: target.tokenUrl })
      response.end()
    })
    const error = await rejection(endpoint.refresh(REFRESH, { signal: signal() }), RefreshError)
    expect({ code: error.code, status: error.status }).toStrictEqual({ code: 'INVALID_RESPONSE', status })
    expect(target.received).toHaveLength(0)
  })

  it('reports NETWORK with the cause when nothing listens', async () => {
    const { tokenUrl } = await serve()
    await closeLatest()
    const endpoint = oauth2TokenEndpoint({ url: tokenUrl, clientId: 'spa' })
    const error = await rejection(endpoint.refresh(REFRESH, { signal: signal() }), RefreshError)
    expect({ code: error.code, status: error.status }).toStrictEqual({ code: 'NETWORK', status: undefined })
    expect(error.cause).toBeInstanceOf(TypeError)
  })

  it('reports TIMEOUT at the deadline when the server never answers', async () => {
    const { endpoint } = await endpointFor(() => {}, { timeout: 200 })
    const started = performance.now()
    const error = await rejection(endpoint.refresh(REFRESH, { signal: signal() }), RefreshError)
    const elapsed = performance.now() - started
    expect({ code: error.code, status: error.status }).toStrictEqual({ code: 'TIMEOUT', status: undefined })
    expect(elapsed).toBeGreaterThanOrEqual(190)
    expect(elapsed).toBeLessThan(1000)
  })

  it('reports TIMEOUT when the body stalls after the headers', async () => {
    const { endpoint } = await endpointFor(
      (response) => {
        response.writeHead(200, { 'content-type': 'application/json' })
        response.write('{"access_token":')
      },
      { timeout: 200 },
    )
    const error = await rejection(endpoint.refresh(REFRESH, { signal: signal() }), RefreshError)
    expect(error.code).toBe('TIMEOUT')
  })

  it("rejects with the caller's abort reason as-is", async () => {
    const { endpoint } = await endpointFor(() => {})
    const controller = new AbortController()
    const reason = new Error('cancelled by the session')
    setTimeout(() => controller.abort(reason), 50)
    await expect(endpoint.refresh(REFRESH, { signal: controller.signal })).rejects.toBe(reason)
  })

  it("rejects an already aborted call with the caller's reason, sending nothing", async () => {
    const { endpoint, received } = await endpointFor(reply(200, tokens))
    const reason = new Error('already cancelled')
    await expect(endpoint.refresh(REFRESH, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason)
    expect(received).toHaveLength(0)
  })
})

describe('response size cap', () => {
  const padded = (bytes: number) => {
    const json = JSON.stringify({ ...tokens, padding: '' })
    return json.replace('"padding":""', `"padding":"${'x'.repeat(bytes - json.length)}"`)
  }

  it('accepts a body of exactly the default 1 MiB', async () => {
    const { endpoint } = await endpointFor(reply(200, padded(1_048_576)))
    await expect(endpoint.refresh(REFRESH, { signal: signal() })).resolves.toMatchObject({ accessToken: ACCESS })
  })

  it('rejects a body one byte over the default 1 MiB as INVALID_RESPONSE', async () => {
    const { endpoint } = await endpointFor(reply(200, padded(1_048_577)))
    const error = await rejection(endpoint.refresh(REFRESH, { signal: signal() }), RefreshError)
    expect({ code: error.code, status: error.status }).toStrictEqual({ code: 'INVALID_RESPONSE', status: 200 })
    expect((error.cause as Error).message).toContain('the body is larger than maxResponseBytes (1048576 bytes)')
  })

  it('stops reading a chunked body without Content-Length past maxResponseBytes', async () => {
    const { endpoint } = await endpointFor(
      (response) => {
        response.writeHead(200, { 'content-type': 'application/json' })
        // Never ends: only the cap can settle this refresh before the deadline.
        const drip = setInterval(() => response.write('x'.repeat(512)), 5)
        response.on('close', () => clearInterval(drip))
        response.write('{"padding":"')
      },
      { maxResponseBytes: 4096 },
    )
    const error = await rejection(endpoint.refresh(REFRESH, { signal: signal() }), RefreshError)
    expect(error.code).toBe('INVALID_RESPONSE')
    expect((error.cause as Error).message).toContain('the body is larger than maxResponseBytes (4096 bytes)')
  })
})

describe('fetch injection', () => {
  it('calls an injected fetch with a no-store, manual-redirect, cookie-less POST', async () => {
    const { tokenUrl } = await serve(reply(200, tokens))
    const calls: (RequestInit | undefined)[] = []
    const fetch: FetchFunction = (input, init) => {
      calls.push(init)
      return globalThis.fetch(input, init)
    }
    await oauth2TokenEndpoint({ url: tokenUrl, clientId: 'spa', fetch }).refresh(REFRESH, { signal: signal() })
    expect(calls).toHaveLength(1)
    expect(calls[0]).toMatchObject({ method: 'POST', redirect: 'manual', cache: 'no-store', credentials: 'omit' })
  })

  it('looks globalThis.fetch up at call time, not at creation', async () => {
    const { tokenUrl } = await serve(reply(200, tokens))
    const endpoint = oauth2TokenEndpoint({ url: tokenUrl, clientId: 'spa' })
    const realFetch = globalThis.fetch
    const spy = vi.fn<FetchFunction>((input, init) => realFetch(input, init))
    vi.stubGlobal('fetch', spy)
    try {
      await endpoint.refresh(REFRESH, { signal: signal() })
    } finally {
      vi.unstubAllGlobals()
    }
    expect(spy).toHaveBeenCalledTimes(1)
  })

  it('holds a fetch that ignores its signal to the deadline', async () => {
    const fetch: FetchFunction = () => new Promise<Response>(() => {})
    const endpoint = oauth2TokenEndpoint({ url: 'https://auth.invalid/token', clientId: 'spa', fetch, timeout: 100 })
    const error = await rejection(endpoint.refresh(REFRESH, { signal: signal() }), RefreshError)
    expect(error.code).toBe('TIMEOUT')
  })
})

describe('configuration', () => {
  it.each([
    ['no url', { clientId: 'spa' }],
    ['an empty url', { url: '', clientId: 'spa' }],
    ['no clientId', { url: 'https://a.example/token' }],
    ['an empty clientSecret', { url: 'https://a.example/token', clientId: 'spa', clientSecret: '' }],
    ['an empty revocationUrl', { url: 'https://a.example/token', clientId: 'spa', revocationUrl: '' }],
    ['a zero timeout', { url: 'https://a.example/token', clientId: 'spa', timeout: 0 }],
    ['a fractional timeout', { url: 'https://a.example/token', clientId: 'spa', timeout: 1.5 }],
    ['a timeout past 2^31-1 ms', { url: 'https://a.example/token', clientId: 'spa', timeout: 2 ** 31 }],
    ['a zero maxResponseBytes', { url: 'https://a.example/token', clientId: 'spa', maxResponseBytes: 0 }],
    ['a fetch that is not a function', { url: 'https://a.example/token', clientId: 'spa', fetch: 'fetch' }],
  ])('rejects %s with a ConfigurationError', (_title, options) => {
    expect(() => oauth2TokenEndpoint(options as unknown as OAuth2TokenEndpointOptions)).toThrow(ConfigurationError)
  })
})

describe('revoke', () => {
  const revoking = async (answer: (response: ServerResponse) => void, options: Partial<OAuth2TokenEndpointOptions> = {}) => {
    const server = await serve(answer)
    const endpoint = oauth2TokenEndpoint({ url: server.tokenUrl, revocationUrl: server.revokeUrl, clientId: 'spa', ...options })
    if (endpoint.revoke === undefined) throw new Error('expected revoke')
    return { ...server, revoke: endpoint.revoke.bind(endpoint) }
  }

  it('is absent without revocationUrl', () => {
    expect('revoke' in oauth2TokenEndpoint({ url: 'https://a.example/token', clientId: 'spa' })).toBe(false)
  })

  it('posts token, token_type_hint and client_id for a public client (RFC 7009 §2.1)', async () => {
    const { revoke, received } = await revoking(reply(200, ''))
    await expect(revoke(REFRESH, { tokenTypeHint: 'refresh_token', signal: signal() })).resolves.toBeUndefined()
    const [request] = received
    expect(request?.method).toBe('POST')
    expect(request?.path).toBe('/revoke')
    expect(request?.headers['content-type']).toBe('application/x-www-form-urlencoded')
    expect(request?.headers.authorization).toBeUndefined()
    expect(form(request?.body ?? '')).toStrictEqual({ token: REFRESH, token_type_hint: 'refresh_token', client_id: 'spa' })
  })

  it('authenticates a confidential client with Basic, without client_id in the body', async () => {
    const { revoke, received } = await revoking(reply(200, ''), { clientId: 'my client', clientSecret: 'p@ss:w/rd' })
    await revoke(ACCESS, { tokenTypeHint: 'access_token', signal: signal() })
    expect(received[0]?.headers.authorization).toBe('Basic bXkrY2xpZW50OnAlNDBzcyUzQXclMkZyZA==')
    expect(form(received[0]?.body ?? '')).toStrictEqual({ token: ACCESS, token_type_hint: 'access_token' })
  })

  it('resolves on any 2xx, such as 204', async () => {
    const { revoke } = await revoking((response) => {
      response.writeHead(204)
      response.end()
    })
    await expect(revoke(REFRESH, { tokenTypeHint: 'refresh_token', signal: signal() })).resolves.toBeUndefined()
  })

  it.each([
    { title: '400 unsupported_token_type', answer: reply(400, { error: 'unsupported_token_type' }), status: 400 },
    { title: '401', answer: reply(401, { error: 'invalid_client' }), status: 401 },
    { title: '503', answer: reply(503, '', { 'retry-after': '5' }), status: 503 },
  ])('rejects $title with a RevocationError carrying the status', async ({ answer, status }) => {
    const { revoke } = await revoking(answer)
    const error = await rejection(revoke(REFRESH, { tokenTypeHint: 'refresh_token', signal: signal() }), RevocationError)
    expect({ code: error.code, status: error.status }).toStrictEqual({ code: 'REVOCATION_FAILED', status })
  })

  it('does not follow a redirect', async () => {
    const target = await serve(reply(200, ''))
    const { revoke } = await revoking((response) => {
      response.writeHead(307, { location: target.revokeUrl })
      response.end()
    })
    const error = await rejection(revoke(REFRESH, { tokenTypeHint: 'refresh_token', signal: signal() }), RevocationError)
    expect(error.status).toBe(307)
    expect(target.received).toHaveLength(0)
  })

  it('rejects a network failure with a RevocationError and its cause', async () => {
    const { revoke } = await revoking(reply(200, ''))
    await closeLatest()
    const error = await rejection(revoke(REFRESH, { tokenTypeHint: 'refresh_token', signal: signal() }), RevocationError)
    expect({ code: error.code, status: error.status }).toStrictEqual({ code: 'REVOCATION_FAILED', status: undefined })
    expect(error.cause).toBeInstanceOf(TypeError)
  })

  it('rejects at the deadline with a RevocationError', async () => {
    const { revoke } = await revoking(() => {}, { timeout: 200 })
    const error = await rejection(revoke(REFRESH, { tokenTypeHint: 'refresh_token', signal: signal() }), RevocationError)
    expect(error.status).toBeUndefined()
    expect(error.message).toContain('did not answer within 200 ms')
  })

  it("rejects with the caller's abort reason as-is", async () => {
    const { revoke } = await revoking(() => {})
    const reason = new Error('sign-out cancelled')
    const controller = new AbortController()
    setTimeout(() => controller.abort(reason), 50)
    await expect(revoke(REFRESH, { tokenTypeHint: 'refresh_token', signal: controller.signal })).rejects.toBe(reason)
  })
})
