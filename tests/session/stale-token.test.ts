import { afterEach, beforeEach, expect, test } from 'vitest'
import { startFakeApi, type FakeApi } from '../support/fake-api.js'
import { signedInSession, until } from '../support/session-harness.js'

let api: FakeApi
beforeEach(async () => {
  api = await startFakeApi()
})
afterEach(() => api.close())

test('a 401 for an older token is replayed with the current one, without another refresh', async () => {
  const session = await signedInSession(api)
  const releaseSlow = api.holdResources('/slow')
  const slow = session.fetch(api.url('/slow'))
  await until(() => api.seen.some((r) => r.path === '/slow'))

  api.expireAccessTokens()
  const fresh = await session.fetch(api.url('/fresh'))
  expect(fresh.status).toBe(200)
  expect(api.refreshes).toEqual(['rt-1'])

  // The slow request was sent with at-1, which died meanwhile.
  releaseSlow()
  const response = await slow

  expect(response.status).toBe(200)
  expect(api.refreshes).toEqual(['rt-1'])
  expect(api.seen.filter((r) => r.path === '/slow').map((r) => r.authorization)).toEqual(['Bearer at-1', 'Bearer at-2'])
})
