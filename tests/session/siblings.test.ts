import { afterEach, beforeEach, expect, test } from 'vitest'
import { inProcessLock } from '../../adapters/in-process-lock.js'
import { memoryStorage } from '../../adapters/memory-storage.js'
import { LockTimeoutError } from '../../machines/errors.js'
import type { Lock } from '../../machines/ports.js'
import { startFakeApi, type FakeApi } from '../support/fake-api.js'
import { memoryBroadcastBus } from '../support/memory-broadcast.js'
import { settleOf, signedInSession, stateOf, until, waitForState } from '../support/session-harness.js'
import { createTokenSession } from '../../session/create-token-session.js'
import { oauth2TokenEndpoint } from '../../adapters/oauth2-token-endpoint.js'

let api: FakeApi
beforeEach(async () => {
  api = await startFakeApi()
})
afterEach(() => api.close())

/** Two sessions on one grant, as two tabs sharing storage, a lock and a channel would be. */
async function twoSiblings(options: { lock?: Lock; withBroadcast?: boolean } = {}) {
  const storage = memoryStorage()
  const bus = memoryBroadcastBus()
  const lock = options.lock ?? inProcessLock()
  const make = () =>
    createTokenSession({
      tokenEndpoint: oauth2TokenEndpoint({ url: api.tokenUrl, clientId: 'spa' }),
      allowedOrigins: [api.origin],
      storage,
      coordination: { lock, name: 'alice', ...(options.withBroadcast === false ? {} : { broadcast: bus.join() }) },
    })
  const first = make()
  await first.signIn(api.issue())
  const second = make()
  await waitForState(second, 'active')
  return { first, second, storage }
}

test('two siblings hit by 401 at once make exactly one refresh; the rotated token is never presented twice', async () => {
  const { first, second } = await twoSiblings()
  api.expireAccessTokens()

  const responses = await Promise.all([
    ...Array.from({ length: 5 }, (_, i) => first.fetch(api.url(`/a/${i}`))),
    ...Array.from({ length: 5 }, (_, i) => second.fetch(api.url(`/b/${i}`))),
  ])

  expect(responses.map((response) => response.status)).toEqual(Array(10).fill(200))
  expect(api.refreshes).toEqual(['rt-1'])
  expect(first.actor.getSnapshot().context.generation).toBe(2)
  expect(second.actor.getSnapshot().context.generation).toBe(2)
})

test('a sibling adopts tokens it hears about on the broadcast, without a refresh of its own', async () => {
  const { first, second } = await twoSiblings()
  api.expireAccessTokens()
  await first.fetch(api.url('/a'))
  await until(() => second.actor.getSnapshot().context.generation === 2)

  expect((await second.fetch(api.url('/b'))).status).toBe(200)
  expect(api.seen.filter((request) => request.path === '/b').map((request) => request.authorization)).toEqual(['Bearer at-2'])
  expect(api.refreshes).toHaveLength(1)
})

test('a sibling that did not hear re-reads storage under the lock and adopts instead of refreshing', async () => {
  const { first, second } = await twoSiblings({ withBroadcast: false })
  api.expireAccessTokens()
  await first.fetch(api.url('/a'))
  expect(second.actor.getSnapshot().context.generation).toBe(1)

  expect((await second.fetch(api.url('/b'))).status).toBe(200)
  expect(api.refreshes).toEqual(['rt-1'])
  expect(second.actor.getSnapshot().context.generation).toBe(2)
})

test('without a shared lock, an invalid_grant is checked against storage before the session is declared expired', async () => {
  // Each sibling its own lock: they race, and the slower one presents the rotated-away token.
  const storage = memoryStorage()
  const make = () =>
    createTokenSession({
      tokenEndpoint: oauth2TokenEndpoint({ url: api.tokenUrl, clientId: 'spa' }),
      allowedOrigins: [api.origin],
      storage,
      coordination: { lock: inProcessLock() },
    })
  const first = make()
  await first.signIn(api.issue())
  const second = make()
  await waitForState(second, 'active')
  api.expireAccessTokens()
  const release = api.hold()
  const a = first.fetch(api.url('/a'))
  const b = second.fetch(api.url('/b'))
  await until(() => api.refreshes.length === 2) // both presented rt-1: the second will be refused

  release()

  expect((await a).status).toBe(200)
  expect((await b).status).toBe(200)
  expect(api.refreshes).toEqual(['rt-1', 'rt-1'])
  expect(stateOf(second)).toMatch(/^active/)
  expect(second.actor.getSnapshot().context.generation).toBe(2)
})

test('signing out in one sibling signs out every sibling', async () => {
  const { first, second, storage } = await twoSiblings()

  await first.signOut()
  await waitForState(second, 'signedOut')

  expect(await settleOf(second.fetch(api.url('/b')))).toMatchObject({ ok: false, error: { name: 'NotSignedInError' } })
  expect(await storage.load()).toBeNull()
})

test('a grant found gone by one sibling ends the session in the others too', async () => {
  const { first, second } = await twoSiblings()
  api.mode = 'invalid_grant'
  api.expireAccessTokens()

  await settleOf(first.fetch(api.url('/a')))

  await waitForState(second, 'expired')
  expect(api.refreshes).toHaveLength(1)
})

test('a lock that cannot be taken in time fails with LOCK_TIMEOUT, and no refresh is made without it', async () => {
  const busy: Lock = { withLock: () => Promise.reject(new LockTimeoutError('held elsewhere')) }
  const session = await signedInSession(api, { coordination: { lock: busy }, refresh: { maxAttempts: 1 } })
  api.expireAccessTokens()

  const result = await settleOf(session.fetch(api.url('/data')))

  expect(result).toMatchObject({ ok: false, error: { name: 'RefreshError', code: 'LOCK_TIMEOUT' } })
  expect(api.refreshes).toHaveLength(0)
  // idle once the burst is over: the chart settles a turn of the event loop after the last request
  await waitForState(session, 'active.idle')
})
