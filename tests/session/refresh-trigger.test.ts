import { afterEach, beforeEach, expect, test } from 'vitest'
import { createHttpTestServer, type HttpTestServer } from '../support/http-test-server.js'
import { startFakeApi, type FakeApi } from '../support/fake-api.js'
import { signedInSession } from '../support/session-harness.js'

let api: FakeApi
let challenges: HttpTestServer
let challenge: string | undefined
beforeEach(async () => {
  api = await startFakeApi()
  // A second API origin whose 401s carry whatever challenge the test sets.
  challenges = await createHttpTestServer((request, response) => {
    const valid = request.headers.authorization === 'Bearer at-2'
    if (valid) return void response.writeHead(200).end('ok')
    response.writeHead(401, challenge === undefined ? {} : { 'www-authenticate': challenge }).end()
  })
})
afterEach(async () => {
  await api.close()
  await challenges.close()
})

test.each([
  ['error="invalid_token"', 'Bearer realm="api", error="invalid_token"'],
  ['no WWW-Authenticate header', undefined],
  ['a bare Bearer challenge', 'Bearer realm="api"'],
  ['a malformed challenge', 'Bearer error="unterminated'],
  ['no Bearer challenge', 'Basic realm="x"'],
])('a 401 with %s refreshes and replays', async (_, header) => {
  challenge = header
  const session = await signedInSession(api, { allowedOrigins: [api.origin, challenges.origin] })

  const response = await session.fetch(challenges.url('/resource'))

  expect(response.status).toBe(200)
  expect(api.refreshes).toHaveLength(1)
})

test.each([
  ['error="invalid_request"', 'Bearer error="invalid_request"'],
  ['error="insufficient_scope"', 'Bearer error="insufficient_scope", scope="admin"'],
  ['an unknown error', 'Bearer error="something_else"'],
])('a 401 with %s goes back to the caller without a refresh', async (_, header) => {
  challenge = header
  const session = await signedInSession(api, { allowedOrigins: [api.origin, challenges.origin] })

  const response = await session.fetch(challenges.url('/resource'))

  expect(response.status).toBe(401)
  expect(response.headers.get('www-authenticate')).toBe(header)
  expect(api.refreshes).toHaveLength(0)
})

test('a 403 insufficient_scope goes back to the caller without a refresh (RFC 6750 §3.1)', async () => {
  const session = await signedInSession(api)

  const response = await session.fetch(api.url('/forbidden'))

  expect(response.status).toBe(403)
  expect(api.refreshes).toHaveLength(0)
  expect(api.seen).toHaveLength(1)
})
