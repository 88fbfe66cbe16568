import { afterEach, beforeEach, expect, test } from 'vitest'
import { memoryStorage } from '../../adapters/memory-storage.js'
import { oauth2TokenEndpoint } from '../../adapters/oauth2-token-endpoint.js'
import type { Broadcast } from '../../machines/ports.js'
import { createTokenSession } from '../../session/create-token-session.js'
import { startFakeApi, type FakeApi } from '../support/fake-api.js'
import { manualClock } from '../support/manual-clock.js'
import { memoryBroadcastBus } from '../support/memory-broadcast.js'
import { scopedSession, sharedSlot } from '../support/scoped-sessions.js'
import { settleOf, signedInSession, until, waitForState } from '../support/session-harness.js'

// Issue 9, finding 11: a session could not be ended; its subscriptions stayed,
// it kept its tokens in memory, and an abandoned session kept refreshing.

let api: FakeApi
beforeEach(async () => {
  api = await startFakeApi()
})
afterEach(() => api.close())

test('dispose rejects waiting requests with SessionDisposedError, and every later call at once', async () => {
  const session = await signedInSession(api)
  api.expireAccessTokens()
  const release = api.hold()
  const parked = settleOf(session.fetch(api.url('/data')))
  await until(() => api.refreshes.length === 1)

  session.dispose()
  release()

  expect(await parked).toMatchObject({ ok: false, error: { name: 'SessionDisposedError', code: 'SESSION_DISPOSED' } })
  expect(await settleOf(session.fetch(api.url('/later')))).toMatchObject({ ok: false, error: { name: 'SessionDisposedError' } })
  expect(await settleOf(session.signIn(api.issue()))).toMatchObject({ ok: false, error: { name: 'SessionDisposedError' } })
  expect(await settleOf(session.signOut())).toMatchObject({ ok: false, error: { name: 'SessionDisposedError' } })
  expect(session.actor.getSnapshot().status).toBe('stopped')
  expect(api.seen.filter((request) => request.path === '/later')).toEqual([])
})

test('nothing refreshes after dispose: its timers are gone', async () => {
  const clock = manualClock()
  const session = await signedInSession(api, { clock })
  expect(clock.pending().length).toBeGreaterThan(0)

  session.dispose()

  expect(clock.pending()).toEqual([])
  clock.advance(3_600_000)
  expect(api.refreshes).toEqual([])
})

test('tokens leave memory but stay in storage: a new session restores them', async () => {
  const storage = memoryStorage()
  const first = await signedInSession(api, { storage })
  first.dispose()

  const second = createTokenSession({
    tokenEndpoint: oauth2TokenEndpoint({ url: api.tokenUrl, clientId: 'spa' }),
    allowedOrigins: [api.origin],
    storage,
  })
  await waitForState(second, 'active')

  expect((await second.fetch(api.url('/data'))).status).toBe(200)
  expect(api.seen.at(-1)?.authorization).toBe('Bearer at-1')
})

test('a disposed session unsubscribes from its broadcast and environment; the broadcast stays open (it is yours)', async () => {
  const bus = memoryBroadcastBus()
  let subscribed = 0
  let closed = false
  const inner = bus.join()
  const broadcast: Broadcast = {
    publish: (message) => inner.publish(message),
    subscribe(listener) {
      subscribed++
      const stop = inner.subscribe(listener)
      return () => {
        subscribed--
        stop()
      }
    },
    close: () => void (closed = true),
  }
  let environmentListeners = 0
  const session = scopedSession(
    api,
    { storage: sharedSlot('app'), broadcast },
    {
      environment: {
        isOnline: () => true,
        subscribe: () => (environmentListeners++, () => void environmentListeners--),
      },
    },
  )
  expect([subscribed, environmentListeners]).toEqual([1, 1])

  session.dispose()

  expect([subscribed, environmentListeners]).toEqual([0, 0])
  expect(closed).toBe(false)
})

test('await using disposes the session at the end of its block', async () => {
  let disposed: { actor: { getSnapshot(): { status: string } } } | undefined
  {
    await using session = await signedInSession(api)
    disposed = session
  }
  expect(disposed?.actor.getSnapshot().status).toBe('stopped')
})
