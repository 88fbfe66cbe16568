import { afterEach, beforeEach, expect, test } from 'vitest'
import type { SessionEventMap } from '../../session/session-options.js'
import { startFakeApi, type FakeApi } from '../support/fake-api.js'
import { manualClock } from '../support/manual-clock.js'
import { settleOf, signedInSession, until, waitForState } from '../support/session-harness.js'

// Issue 11: tokens for what is not fetch (WebSocket URLs, SignalR's accessTokenFactory).

let api: FakeApi
beforeEach(async () => {
  api = await startFakeApi()
})
afterEach(() => api.close())

test('getAccessToken gives the held token while it is good, without a refresh', async () => {
  const session = await signedInSession(api)
  expect(await session.getAccessToken()).toBe('at-1')
  await waitForState(session, 'active.idle')
  expect(api.refreshes).toEqual([])
})

test('a token that would not last minValidity is refreshed first, once for every caller at the same time', async () => {
  const clock = manualClock()
  const session = await signedInSession(api, { clock })
  clock.jump(290_000) // 10 s left of a 300 s token

  const [short, longA, longB] = await Promise.all([
    session.getAccessToken({ minValidity: 5_000 }),
    session.getAccessToken({ minValidity: 60_000 }),
    session.getAccessToken({ minValidity: 60_000 }),
  ])

  expect(short).toBe('at-1')
  expect([longA, longB]).toEqual(['at-2', 'at-2'])
  expect(api.refreshes).toEqual(['rt-1'])
})

test('getAccessToken joins a refresh started by fetch traffic: one refresh for both', async () => {
  const session = await signedInSession(api)
  api.expireAccessTokens()
  const release = api.hold()
  const request = session.fetch(api.url('/data'))
  await until(() => api.refreshes.length === 1)

  const token = session.getAccessToken()
  release()

  expect(await token).toBe('at-2')
  expect((await request).status).toBe(200)
  expect(api.refreshes).toEqual(['rt-1'])
})

test('tokensChanged says that tokens changed, and never what they are', async () => {
  const session = await signedInSession(api)
  const heard: SessionEventMap['tokensChanged'][] = []
  session.on('tokensChanged', (event) => heard.push(event))
  api.expireAccessTokens()

  await session.fetch(api.url('/data'))
  await until(() => heard.length === 1)

  expect(heard).toEqual([{ type: 'tokensChanged', grant: session.actor.getSnapshot().context.grant, generation: 2 }])
  expect(JSON.stringify(heard)).not.toMatch(/\b(at|rt)-\d+\b/)
})

test('getAccessToken rejects like a request once the session has ended', async () => {
  const session = await signedInSession(api)
  await session.signOut()
  expect(await settleOf(session.getAccessToken())).toMatchObject({ ok: false, error: { name: 'NotSignedInError' } })
})
