import { afterEach, beforeEach, expect, test } from 'vitest'
import { startFakeApi, type FakeApi } from '../support/fake-api.js'
import { settleOf, signedInSession, stateOf, until, waitForState } from '../support/session-harness.js'

let api: FakeApi
beforeEach(async () => {
  api = await startFakeApi()
})
afterEach(() => api.close())

test('aborting a request that waits for a refresh rejects it with AbortError and leaves the refresh alone', async () => {
  const session = await signedInSession(api)
  api.expireAccessTokens()
  const release = api.hold()
  const other = session.fetch(api.url('/other'))
  await waitForState(session, 'refreshing')
  const controller = new AbortController()
  const aborted = settleOf(session.fetch(api.url('/mine'), { signal: controller.signal }))
  await until(() => session.actor.getSnapshot().context.parked === 2)

  controller.abort()
  const result = await aborted

  expect(result.ok ? undefined : result.error).toMatchObject({ name: 'AbortError' })
  expect(session.actor.getSnapshot().context.parked).toBe(1)
  expect(stateOf(session)).toBe('refreshing.exchanging')
  release()
  expect((await other).status).toBe(200)
  expect(api.refreshes).toHaveLength(1)
  expect(api.seen.filter((r) => r.path === '/mine')).toHaveLength(0)
})

test('aborting the request that triggered the refresh does not cancel the refresh', async () => {
  const session = await signedInSession(api)
  api.expireAccessTokens()
  const release = api.hold()
  const controller = new AbortController()
  const trigger = settleOf(session.fetch(api.url('/trigger'), { signal: controller.signal }))
  await waitForState(session, 'refreshing')

  controller.abort()
  release()

  expect(await trigger).toMatchObject({ ok: false, error: { name: 'AbortError' } })
  await waitForState(session, 'active')
  expect(session.actor.getSnapshot().context.generation).toBe(2)
  expect((await session.fetch(api.url('/after'))).status).toBe(200)
  expect(api.refreshes).toHaveLength(1)
})

test('an already-aborted signal rejects before anything is sent', async () => {
  const session = await signedInSession(api)
  const result = await settleOf(session.fetch(api.url('/data'), { signal: AbortSignal.abort() }))

  expect(result).toMatchObject({ ok: false, error: { name: 'AbortError' } })
  expect(api.seen).toHaveLength(0)
})

test('a timeout signal rejects a waiting request with TimeoutError', async () => {
  const session = await signedInSession(api)
  api.expireAccessTokens()
  const release = api.hold()
  const trigger = session.fetch(api.url('/trigger'))
  await waitForState(session, 'refreshing')

  const result = await settleOf(session.fetch(api.url('/mine'), { signal: AbortSignal.timeout(30) }))

  expect(result).toMatchObject({ ok: false, error: { name: 'TimeoutError' } })
  release()
  expect((await trigger).status).toBe(200)
})

test('aborting a request on the wire rejects it and the session counts it settled', async () => {
  const session = await signedInSession(api)
  const releaseSlow = api.holdResources('/slow')
  const controller = new AbortController()
  const pending = settleOf(session.fetch(api.url('/slow'), { signal: controller.signal }))
  await until(() => api.seen.length === 1)
  expect(stateOf(session)).toBe('active.requesting')

  controller.abort()

  expect(await pending).toMatchObject({ ok: false, error: { name: 'AbortError' } })
  // idle once the burst is over: the chart settles a turn of the event loop after the last request
  await waitForState(session, 'active.idle')
  releaseSlow()
})
