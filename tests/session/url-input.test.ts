import { afterEach, beforeEach, expect, test } from 'vitest'
import { startFakeApi, type FakeApi } from '../support/fake-api.js'
import { startRecordingServer, type RecordingServer } from '../servers/recording-server.js'
import { signedInSession } from '../support/session-harness.js'

// Issue 9, finding 3: a URL input was checked against the allowlist, then read
// again after an await; changing it right after the call sent the token elsewhere.

let api: FakeApi
let foreign: RecordingServer
beforeEach(async () => {
  api = await startFakeApi()
  foreign = await startRecordingServer()
})
afterEach(async () => {
  await api.close()
  await foreign.close()
})

test('a URL object changed right after session.fetch(url) still sends the token only where it was allowed', async () => {
  const session = await signedInSession(api)
  const url = new URL(api.url('/data'))

  const response = session.fetch(url)
  url.host = new URL(foreign.origin).host
  url.pathname = '/stolen'

  expect((await response).status).toBe(200)
  expect(api.seen.map((request) => request.path)).toEqual(['/data'])
  expect(foreign.seen).toEqual([])
})

test('the same holds while the request waits for a refresh', async () => {
  const session = await signedInSession(api)
  api.expireAccessTokens()
  const url = new URL(api.url('/data'))

  const response = session.fetch(url)
  await Promise.resolve()
  url.host = new URL(foreign.origin).host

  expect((await response).status).toBe(200)
  expect(api.seen.map((request) => request.path)).toEqual(['/data', '/data'])
  expect(foreign.seen).toEqual([])
})
