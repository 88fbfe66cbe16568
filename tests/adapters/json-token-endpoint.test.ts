import type { ServerResponse } from 'node:http'
import { describe, expect, it } from 'vitest'
import { jsonTokenEndpoint, type JsonTokenEndpointOptions } from '../../adapters/json-token-endpoint.js'
import { ConfigurationError, InvalidTokenResponseError, RefreshError } from '../../machines/errors.js'
import type { FetchFunction } from '../../machines/ports.js'
import { closeLatest, reply, serve as serveRecording } from '../support/recording-endpoint.js'

const REFRESH = 'rt-SECRET-json-8d3e'
const ACCESS = 'at-SECRET-json-c21f'
const NEW_REFRESH = 'rt-SECRET-json-rotated-5a0b'

/** A real server on 127.0.0.1 that records every request and lets `answer` reply (or not). */
async function serve(answer?: (response: ServerResponse) => void) {
  const { received, server } = await serveRecording(answer)
  return { received, url: server.url('/api/auth/refresh') }
}

async function endpointFor(answer: (response: ServerResponse) => void, options: Partial<JsonTokenEndpointOptions> = {}) {
  const server = await serve(answer)
  return { ...server, endpoint: jsonTokenEndpoint({ url: server.url, ...options }) }
}

const tokens = { accessToken: ACCESS, refreshToken: NEW_REFRESH, expiresIn: 900 }
const signal = () => new AbortController().signal

async function refreshError(promise: Promise<unknown>): Promise<RefreshError> {
  const error = await promise.then(
    () => expect.unreachable('expected a rejection'),
    (reason: unknown) => reason,
  )
  expect(error).toBeInstanceOf(RefreshError)
  for (let current = error; current instanceof Error; current = current.cause) {
    for (const token of [REFRESH, ACCESS, NEW_REFRESH]) expect(String(current.stack)).not.toContain(token)
  }
  return error as RefreshError
}

describe('refresh on the wire', () => {
  it('posts the refresh token as JSON', async () => {
    const { endpoint, received } = await endpointFor(reply(200, tokens))
    await endpoint.refresh(REFRESH, { signal: signal() })
    expect(received).toHaveLength(1)
    const [request] = received
    expect(request?.method).toBe('POST')
    expect(request?.path).toBe('/api/auth/refresh')
    expect(request?.headers['content-type']).toBe('application/json')
    expect(request?.headers.accept).toBe('application/json')
    expect(request?.body).toBe(JSON.stringify({ refreshToken: REFRESH }))
  })

  it('sends the configured static headers, which may replace the defaults', async () => {
    const { endpoint, received } = await endpointFor(reply(200, tokens), {
      headers: { 'X-CSRF-Token': 'csrf-1', Accept: 'application/vnd.api+json' },
    })
    await endpoint.refresh(REFRESH, { signal: signal() })
    expect(received[0]?.headers['x-csrf-token']).toBe('csrf-1')
    expect(received[0]?.headers.accept).toBe('application/vnd.api+json')
    expect(received[0]?.headers['content-type']).toBe('application/json')
  })

  it('resolves the token set from a 200 answer, ignoring other members', async () => {
    const { endpoint } = await endpointFor(reply(200, { ...tokens, user: { id: 1 } }))
    await expect(endpoint.refresh(REFRESH, { signal: signal() })).resolves.toStrictEqual({
      accessToken: ACCESS,
      refreshToken: NEW_REFRESH,
      expiresIn: 900,
    })
  })

  it('resolves without refreshToken or expiresIn when the backend sends neither', async () => {
    const { endpoint } = await endpointFor(reply(200, { accessToken: ACCESS }))
    await expect(endpoint.refresh(REFRESH, { signal: signal() })).resolves.toStrictEqual({ accessToken: ACCESS })
  })

  it('maps configured member names both ways', async () => {
    const fields = { requestRefreshToken: 'refresh', accessToken: 'token', refreshToken: 'refresh', expiresIn: 'ttl' }
    const { endpoint, received } = await endpointFor(
      reply(200, { token: ACCESS, refresh: NEW_REFRESH, ttl: 60, accessToken: 'ignored' }),
      { fields },
    )
    await expect(endpoint.refresh(REFRESH, { signal: signal() })).resolves.toStrictEqual({
      accessToken: ACCESS,
      refreshToken: NEW_REFRESH,
      expiresIn: 60,
    })
    expect(received[0]?.body).toBe(JSON.stringify({ refresh: REFRESH }))
  })

  it('names the configured member when the answer is invalid', async () => {
    const { endpoint } = await endpointFor(reply(200, { accessToken: ACCESS, ttl: '60' }), {
      fields: { accessToken: 'token', expiresIn: 'ttl' },
    })
    const error = await refreshError(endpoint.refresh(REFRESH, { signal: signal() }))
    expect(error.code).toBe('INVALID_RESPONSE')
    expect(error.cause).toBeInstanceOf(InvalidTokenResponseError)
    expect((error.cause as Error).message).toContain('Invalid refresh response: token is missing')
  })

  it('sends same-origin credentials by default and the configured mode otherwise', async () => {
    const { url } = await serve(reply(200, tokens))
    const modes: (RequestCredentials | undefined)[] = []
    const fetch: FetchFunction = (input, init) => {
      modes.push(init?.credentials)
      return globalThis.fetch(input, init)
    }
    await jsonTokenEndpoint({ url, fetch }).refresh(REFRESH, { signal: signal() })
    await jsonTokenEndpoint({ url, fetch, credentials: 'include' }).refresh(REFRESH, { signal: signal() })
    expect(modes).toStrictEqual(['same-origin', 'include'])
  })
})

describe('refresh outcomes', () => {
  it.each([
    { title: '401 is INVALID_GRANT', status: 401, body: { message: 'expired' }, code: 'INVALID_GRANT' },
    { title: '401 without a body is INVALID_GRANT', status: 401, body: '', code: 'INVALID_GRANT' },
    { title: '403 is INVALID_GRANT', status: 403, body: '<html>Forbidden</html>', code: 'INVALID_GRANT' },
    {
      title: '400 invalid_grant is INVALID_GRANT',
      status: 400,
      body: { error: 'invalid_grant', token: REFRESH },
      code: 'INVALID_GRANT',
      oauthError: 'invalid_grant',
    },
    {
      title: '400 with another error is INVALID_RESPONSE',
      status: 400,
      body: { error: 'invalid_request' },
      code: 'INVALID_RESPONSE',
    },
    { title: '400 without a JSON body is INVALID_RESPONSE', status: 400, body: 'Bad Request', code: 'INVALID_RESPONSE' },
    { title: '404 is INVALID_RESPONSE', status: 404, body: 'Not Found', code: 'INVALID_RESPONSE' },
    {
      title: '429 is RATE_LIMITED with Retry-After',
      status: 429,
      body: '',
      headers: { 'retry-after': '7' },
      code: 'RATE_LIMITED',
      retryAfter: 7,
    },
    { title: '500 is SERVER_ERROR', status: 500, body: '', code: 'SERVER_ERROR' },
    {
      title: '503 is SERVER_ERROR with Retry-After',
      status: 503,
      body: '',
      headers: { 'retry-after': '12' },
      code: 'SERVER_ERROR',
      retryAfter: 12,
    },
    {
      title: '200 with invalid JSON is INVALID_RESPONSE',
      status: 200,
      body: `{"accessToken":"${ACCESS}"`,
      code: 'INVALID_RESPONSE',
    },
    {
      title: '200 with a snake_case body is INVALID_RESPONSE',
      status: 200,
      body: { access_token: ACCESS },
      code: 'INVALID_RESPONSE',
    },
    {
      title: '200 with an unsafe access token is INVALID_RESPONSE',
      status: 200,
      body: { accessToken: `${ACCESS}\r\n` },
      code: 'INVALID_RESPONSE',
    },
  ])('$title', async ({ status, body, headers, code, oauthError, retryAfter }) => {
    const { endpoint } = await endpointFor(reply(status, body, headers))
    const error = await refreshError(endpoint.refresh(REFRESH, { signal: signal() }))
    expect({ code: error.code, status: error.status, oauthError: error.oauthError, retryAfter: error.retryAfter }).toStrictEqual({
      code,
      status,
      oauthError,
      retryAfter,
    })
  })

  it('does not follow a redirect and reports INVALID_RESPONSE', async () => {
    const target = await serve(reply(200, tokens))
    const { endpoint } = await endpointFor((response) => {
      response.writeHead(302, { location: target.url })
      response.end()
    })
    const error = await refreshError(endpoint.refresh(REFRESH, { signal: signal() }))
    expect({ code: error.code, status: error.status }).toStrictEqual({ code: 'INVALID_RESPONSE', status: 302 })
    expect(target.received).toHaveLength(0)
  })

  it('reports NETWORK with the cause when nothing listens', async () => {
    const { url } = await serve()
    await closeLatest()
    const error = await refreshError(jsonTokenEndpoint({ url }).refresh(REFRESH, { signal: signal() }))
    expect({ code: error.code, status: error.status }).toStrictEqual({ code: 'NETWORK', status: undefined })
    expect(error.cause).toBeInstanceOf(TypeError)
  })

  it('reports TIMEOUT at the deadline when the server never answers', async () => {
    const { endpoint } = await endpointFor(() => {}, { timeout: 200 })
    const started = performance.now()
    const error = await refreshError(endpoint.refresh(REFRESH, { signal: signal() }))
    const elapsed = performance.now() - started
    expect(error.code).toBe('TIMEOUT')
    expect(elapsed).toBeGreaterThanOrEqual(190)
    expect(elapsed).toBeLessThan(1000)
  })

  it("rejects with the caller's abort reason as-is", async () => {
    const { endpoint } = await endpointFor(() => {})
    const controller = new AbortController()
    const reason = new Error('cancelled by the session')
    setTimeout(() => controller.abort(reason), 50)
    await expect(endpoint.refresh(REFRESH, { signal: controller.signal })).rejects.toBe(reason)
  })

  it('rejects a body over maxResponseBytes as INVALID_RESPONSE', async () => {
    const { endpoint } = await endpointFor(reply(200, { ...tokens, padding: 'x'.repeat(2048) }), { maxResponseBytes: 1024 })
    const error = await refreshError(endpoint.refresh(REFRESH, { signal: signal() }))
    expect({ code: error.code, status: error.status }).toStrictEqual({ code: 'INVALID_RESPONSE', status: 200 })
    expect((error.cause as Error).message).toContain('the body is larger than maxResponseBytes (1024 bytes)')
  })
})

describe('configuration', () => {
  it('has no revoke', () => {
    expect('revoke' in jsonTokenEndpoint({ url: '/api/auth/refresh' })).toBe(false)
  })

  it.each([
    ['no url', {}],
    ['an empty field name', { url: '/refresh', fields: { accessToken: '' } }],
    ['two answer members with one name', { url: '/refresh', fields: { accessToken: 'token', refreshToken: 'token' } }],
    ['an invalid header name', { url: '/refresh', headers: { 'bad header': 'x' } }],
    ['a header value with a newline', { url: '/refresh', headers: { 'x-api-key': 'key-SECRET\nx' } }],
    ['a negative timeout', { url: '/refresh', timeout: -1 }],
  ])('rejects %s with a ConfigurationError', (_title, options) => {
    expect(() => jsonTokenEndpoint(options as unknown as JsonTokenEndpointOptions)).toThrow(ConfigurationError)
  })

  it('keeps a rejected header value out of the message', () => {
    expect(() => jsonTokenEndpoint({ url: '/refresh', headers: { 'x-api-key': 'key-SECRET\nx' } })).toThrow(
      'jsonTokenEndpoint: headers["x-api-key"] is not a valid header name and value.',
    )
  })
})
