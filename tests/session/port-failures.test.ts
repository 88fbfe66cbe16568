import { afterEach, beforeEach, expect, test } from 'vitest'
import type { Broadcast, Clock } from '../../machines/ports.js'
import type { SessionWarning } from '../../session/warnings.js'
import { startFakeApi, type FakeApi } from '../support/fake-api.js'
import { scopedSession, sharedSlot } from '../support/scoped-sessions.js'
import { settleOf, signedInSession, stateOf, until } from '../support/session-harness.js'

// Issue 9, finding 8: a rejecting publish made signOut() reject without
// revoking and crashed Node on expiry; a throwing listener crashed Node; a
// throwing clock or random left the actor in XState's error status for good.

let api: FakeApi
let unhandled: unknown[]
const onUnhandled = (reason: unknown) => unhandled.push(reason)
beforeEach(async () => {
  api = await startFakeApi()
  unhandled = []
  process.on('unhandledRejection', onUnhandled)
  process.on('uncaughtException', onUnhandled)
})
afterEach(async () => {
  // A turn of the event loop, so that a stray rejection would have been reported.
  await new Promise((resolve) => setTimeout(resolve, 20))
  process.off('unhandledRejection', onUnhandled)
  process.off('uncaughtException', onUnhandled)
  expect(unhandled).toEqual([])
  await api.close()
})

const rejectingBroadcast = (): Broadcast => ({
  publish: () => Promise.reject(new Error('the channel is down')),
  subscribe: () => () => undefined,
  close: () => undefined,
})

function warningsOf(session: { on: (type: 'warning', listener: (warning: SessionWarning) => void) => () => void }) {
  const codes: SessionWarning['code'][] = []
  session.on('warning', (warning) => codes.push(warning.code))
  return codes
}

test('a broadcast that rejects is a warning: sign-out still revokes and resolves', async () => {
  const session = scopedSession(api, { storage: sharedSlot('app'), broadcast: rejectingBroadcast() })
  const warnings = warningsOf(session)
  await session.signIn(api.issue())

  await session.signOut()

  expect(api.revoked).toEqual(['rt-1'])
  expect(stateOf(session)).toBe('signedOut')
  await until(() => warnings.length === 2)
  expect(warnings).toEqual(['BROADCAST_FAILED', 'BROADCAST_FAILED']) // the sign-in's, the sign-out's
})

test('a broadcast that rejects at expiry is a warning, not an unhandled rejection', async () => {
  const session = scopedSession(api, { storage: sharedSlot('app'), broadcast: rejectingBroadcast() })
  const warnings = warningsOf(session)
  await session.signIn(api.issue())
  api.mode = 'invalid_grant'
  api.expireAccessTokens()

  expect(await settleOf(session.fetch(api.url('/data')))).toMatchObject({ ok: false, error: { name: 'SessionExpiredError' } })
  await until(() => warnings.length === 2)
  expect(stateOf(session)).toBe('expired')
})

test('a listener that throws is a warning; the other listeners still run', async () => {
  const session = await signedInSession(api)
  const warnings = warningsOf(session)
  const heard: number[] = []
  session.on('refreshed', () => {
    throw new Error('a bug in the app')
  })
  session.on('refreshed', (event) => heard.push(event.generation))
  api.expireAccessTokens()

  await session.fetch(api.url('/data'))
  await until(() => warnings.length === 1)

  expect(heard).toEqual([2])
  expect(warnings).toEqual(['LISTENER_FAILED'])
})

test('a clock that throws is a warning: the system clock takes over and the session keeps working', async () => {
  let broken = false
  const clock: Clock = {
    now: () => {
      if (broken) throw new Error('clock broke')
      return performance.now()
    },
    wallNow: () => Date.now(),
    setTimer: (ms, callback) => {
      const timer = setTimeout(callback, ms)
      return () => clearTimeout(timer)
    },
  }
  const session = await signedInSession(api, { clock })
  const warnings = warningsOf(session)
  broken = true
  api.expireAccessTokens()

  expect((await session.fetch(api.url('/a'))).status).toBe(200)
  expect((await session.fetch(api.url('/b'))).status).toBe(200)

  expect(session.actor.getSnapshot().status).toBe('active')
  expect(stateOf(session)).toMatch(/^active/)
  expect(warnings).toEqual(['CLOCK_FAILED'])
})

test('a random source that throws is a warning: Math.random draws the backoff instead', async () => {
  const session = await signedInSession(api, {
    random: () => {
      throw new Error('entropy ran out')
    },
    refresh: { backoff: { initialDelay: 1, maxDelay: 1 } },
  })
  const warnings = warningsOf(session)
  api.script = ['server_error']
  api.expireAccessTokens()

  expect((await session.fetch(api.url('/data'))).status).toBe(200)
  expect(session.actor.getSnapshot().status).toBe('active')
  expect(warnings).toEqual(['RANDOM_FAILED'])
})

test('an environment that throws is a warning; the session assumes online', async () => {
  const session = scopedSession(
    api,
    { storage: sharedSlot('app') },
    {
      environment: {
        isOnline: () => {
          throw new Error('no navigator')
        },
        subscribe: () => {
          throw new Error('no events')
        },
      },
    },
  )
  const warnings = warningsOf(session)
  await session.signIn(api.issue())

  expect((await session.fetch(api.url('/data'))).status).toBe(200)
  expect(session.actor.getSnapshot().context.online).toBe(true)
  // Reported while the session was being created, and still heard by a listener added right after.
  expect(warnings).toEqual(['ENVIRONMENT_FAILED', 'ENVIRONMENT_FAILED'])
})
