import { afterEach, beforeEach, expect, test } from 'vitest'
import { ConfigurationError } from '../../machines/errors.js'
import { createTokenSession } from '../../session/create-token-session.js'
import { startFakeApi, type FakeApi } from '../support/fake-api.js'
import { createHttpTestServer, type HttpTestServer } from '../support/http-test-server.js'
import { signedInSession } from '../support/session-harness.js'

let api: FakeApi
let foreign: HttpTestServer
let foreignSaw: Array<string | undefined>
beforeEach(async () => {
  api = await startFakeApi()
  foreignSaw = []
  foreign = await createHttpTestServer((request, response) => {
    foreignSaw.push(request.headers.authorization)
    response.writeHead(200).end('ok')
  })
})
afterEach(async () => {
  await api.close()
  await foreign.close()
})

const endpoint = async () => ({ accessToken: 'x' })

test('allowed origins get the bearer token; other origins get the request untouched', async () => {
  const session = await signedInSession(api)

  await session.fetch(api.url('/data'))
  await session.fetch(foreign.url('/elsewhere'), { headers: { 'x-mine': '1' } })

  expect(api.seen[0]?.authorization).toBe('Bearer at-1')
  expect(foreignSaw).toEqual([undefined])
})

test('the allowlist compares exact origins: another port of the same host gets no token', async () => {
  const session = await signedInSession(api)
  // foreign runs on 127.0.0.1 too, on another port.
  expect(new URL(foreign.origin).hostname).toBe(new URL(api.origin).hostname)

  await session.fetch(foreign.url('/'))

  expect(foreignSaw).toEqual([undefined])
})

test('a redirect to another origin does not carry the token', async () => {
  const redirecting = await createHttpTestServer((request, response) => {
    response.writeHead(302, { location: foreign.url('/landed') }).end()
  })
  const session = await signedInSession(api, { allowedOrigins: [api.origin, redirecting.origin] })

  const response = await session.fetch(redirecting.url('/go'))

  expect(response.status).toBe(200)
  expect(foreignSaw).toEqual([undefined])
  await redirecting.close()
})

test('without a page origin, leaving out allowedOrigins is a configuration error', () => {
  expect(() => createTokenSession({ tokenEndpoint: endpoint })).toThrow(ConfigurationError)
  expect(() => createTokenSession({ tokenEndpoint: endpoint })).toThrow(/allowedOrigins/)
})

test.each([
  ['*', /wildcard/],
  ['https://*.example.com', /wildcard/],
  ['https://api.example.com/v1', /path/],
  ['api.example.com', /not an origin/],
  ['ftp://example.com', /http/],
  ['http://api.example.com', /TLS/],
])('rejects %s as an allowed origin', (origin, message) => {
  expect(() => createTokenSession({ tokenEndpoint: endpoint, allowedOrigins: [origin] })).toThrow(message)
})

test('accepts loopback http, and plain http elsewhere only with allowInsecureHttp', () => {
  expect(() => createTokenSession({ tokenEndpoint: endpoint, allowedOrigins: ['http://localhost:3000'] })).not.toThrow()
  expect(() =>
    createTokenSession({ tokenEndpoint: endpoint, allowedOrigins: ['http://dev.test'], allowInsecureHttp: true }),
  ).not.toThrow()
})

test('a missing token endpoint is a configuration error', () => {
  expect(() => createTokenSession({ allowedOrigins: [api.origin] } as never)).toThrow(ConfigurationError)
})

test('defaults to the page origin in a browser', async () => {
  const location = { origin: api.origin, href: `${api.origin}/app` }
  Object.defineProperty(globalThis, 'location', { value: location, configurable: true })
  try {
    const session = createTokenSession({ tokenEndpoint: endpoint })
    await session.signIn(api.issue())
    await session.fetch('/relative')
    await session.fetch(foreign.url('/x'))
    expect(api.seen[0]).toMatchObject({ path: '/relative', authorization: 'Bearer at-1' })
    expect(foreignSaw).toEqual([undefined])
  } finally {
    Reflect.deleteProperty(globalThis, 'location')
  }
})
