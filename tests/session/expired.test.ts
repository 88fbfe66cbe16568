import { afterEach, beforeEach, expect, test } from 'vitest'
import { SessionExpiredError } from '../../machines/errors.js'
import { startFakeApi, type FakeApi } from '../support/fake-api.js'
import { settleOf, signedInSession, stateOf, waitForState } from '../support/session-harness.js'

let api: FakeApi
beforeEach(async () => {
  api = await startFakeApi()
})
afterEach(() => api.close())

test('once expired, requests reject at once without a network call, until the next sign-in', async () => {
  const session = await signedInSession(api)
  api.mode = 'invalid_grant'
  api.expireAccessTokens()
  await settleOf(session.fetch(api.url('/data')))
  expect(stateOf(session)).toBe('expired')
  const seenBefore = api.seen.length

  const later = await Promise.all([1, 2, 3].map(() => settleOf(session.fetch(api.url('/later')))))

  expect(later.every((r) => !r.ok && r.error instanceof SessionExpiredError)).toBe(true)
  expect(api.seen).toHaveLength(seenBefore)
  expect(api.refreshes).toHaveLength(1)

  api.mode = 'ok'
  await session.signIn(api.issue())
  expect((await session.fetch(api.url('/data'))).status).toBe(200)
  // idle once the burst is over: the chart settles a turn of the event loop after the last request
  await waitForState(session, 'active.idle')
})
