import { afterEach, beforeEach, expect, test } from 'vitest'
import { createHttpTestServer, type HttpTestServer } from '../support/http-test-server.js'
import { startFakeApi, type FakeApi } from '../support/fake-api.js'
import { signedInSession, waitForState } from '../support/session-harness.js'

let api: FakeApi
let stubborn: HttpTestServer
let hits: string[]
beforeEach(async () => {
  api = await startFakeApi()
  hits = []
  // An API that rejects every token: a refresh can never help here.
  stubborn = await createHttpTestServer((request, response) => {
    hits.push(request.headers.authorization ?? '')
    response.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"' }).end()
  })
})
afterEach(async () => {
  await api.close()
  await stubborn.close()
})

test('a replay that gets 401 again goes back to the caller: no loop, no second refresh', async () => {
  const session = await signedInSession(api, { allowedOrigins: [stubborn.origin] })

  const response = await session.fetch(stubborn.url('/x'))

  expect(response.status).toBe(401)
  expect(hits).toEqual(['Bearer at-1', 'Bearer at-2'])
  expect(api.refreshes).toHaveLength(1)
  // idle once the burst is over: the chart settles a turn of the event loop after the last request
  await waitForState(session, 'active.idle')
})

test('a request that waited for a refresh is sent once; its 401 goes back to the caller', async () => {
  const session = await signedInSession(api, { allowedOrigins: [api.origin, stubborn.origin] })
  api.expireAccessTokens()
  const release = api.hold()
  const trigger = session.fetch(api.url('/data'))
  await waitForState(session, 'refreshing')
  const waiter = session.fetch(stubborn.url('/y'))
  release()

  expect((await trigger).status).toBe(200)
  expect((await waiter).status).toBe(401)
  expect(hits).toEqual(['Bearer at-2'])
  expect(api.refreshes).toHaveLength(1)
})
