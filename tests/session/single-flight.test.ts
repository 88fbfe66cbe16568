import { afterEach, beforeEach, expect, test } from 'vitest'
import { startFakeApi, type FakeApi } from '../support/fake-api.js'
import { signedInSession, waitForState } from '../support/session-harness.js'

let api: FakeApi
beforeEach(async () => {
  api = await startFakeApi()
})
afterEach(() => api.close())

test('concurrent 401s produce exactly one refresh', async () => {
  const session = await signedInSession(api)
  api.expireAccessTokens()

  const responses = await Promise.all(Array.from({ length: 25 }, (_, i) => session.fetch(api.url(`/data/${i}`))))

  expect(responses.map((r) => r.status)).toEqual(Array(25).fill(200))
  expect(api.refreshes).toEqual(['rt-1'])
  const replays = api.seen.filter((r) => r.authorization === 'Bearer at-2')
  expect(replays).toHaveLength(25)
  // idle once the burst is over: the chart settles a turn of the event loop after the last request
  await waitForState(session, 'active.idle')
})

test('requests that arrive during a refresh wait and go out once with the new token', async () => {
  const session = await signedInSession(api)
  api.expireAccessTokens()
  const release = api.hold()
  const first = session.fetch(api.url('/first'))
  await waitForState(session, 'refreshing')

  const late = Array.from({ length: 5 }, (_, i) => session.fetch(api.url(`/late/${i}`)))
  await new Promise((resolve) => setTimeout(resolve, 20))
  expect(api.seen.filter((r) => r.path.startsWith('/late'))).toHaveLength(0)
  expect(session.actor.getSnapshot().context.parked).toBe(6)

  release()
  const statuses = (await Promise.all([first, ...late])).map((r) => r.status)

  expect(statuses).toEqual([200, 200, 200, 200, 200, 200])
  const lateSeen = api.seen.filter((r) => r.path.startsWith('/late'))
  expect(lateSeen).toHaveLength(5)
  expect(lateSeen.every((r) => r.authorization === 'Bearer at-2')).toBe(true)
  expect(api.refreshes).toHaveLength(1)
})
