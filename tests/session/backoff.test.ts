import { afterEach, beforeEach, expect, test } from 'vitest'
import type { SessionEventMap } from '../../session/create-token-session.js'
import { startFakeApi, type FakeApi } from '../support/fake-api.js'
import { manualClock, manualEnvironment } from '../support/manual-clock.js'
import { settleOf, signedInSession, until, waitForState } from '../support/session-harness.js'

let clock: ReturnType<typeof manualClock>
let api: FakeApi
beforeEach(async () => {
  clock = manualClock()
  api = await startFakeApi()
})
afterEach(() => api.close())

/** The delay of the one armed backoff timer, once the session is backing off. */
async function nextRetryDelay(session: Awaited<ReturnType<typeof signedInSession>>): Promise<number> {
  await waitForState(session, 'refreshing.backingOff')
  // Not the proactive timer, nor the parked requests' maxWait (15 s): the backoff here is shorter.
  const timers = clock.pending().filter((timer) => timer.dueAt - clock.now() < 10_000)
  expect(timers).toHaveLength(1)
  return (timers[0]?.dueAt ?? 0) - clock.now()
}

test('a token endpoint that answers 503 twice then recovers costs no logout; the waits follow the seeded backoff', async () => {
  const session = await signedInSession(api, { clock, random: () => 0.5 })
  const failures: SessionEventMap['refreshFailed'][] = []
  session.on('refreshFailed', (event) => failures.push(event))
  api.script = ['server_error', 'server_error']
  api.expireAccessTokens()

  const pending = session.fetch(api.url('/data'))
  const delays = [await nextRetryDelay(session)]
  clock.advance(delays[0] ?? 0)
  delays.push(await nextRetryDelay(session))
  clock.advance(delays[1] ?? 0)

  expect((await pending).status).toBe(200)
  expect(delays).toEqual([250, 500])
  expect(api.refreshes).toEqual(['rt-1', 'rt-1', 'rt-1'])
  expect(failures).toEqual([
    { type: 'refreshFailed', code: 'SERVER_ERROR', attempt: 1, willRetry: true },
    { type: 'refreshFailed', code: 'SERVER_ERROR', attempt: 2, willRetry: true },
  ])
  // idle once the burst is over: the chart settles a turn of the event loop after the last request
  await waitForState(session, 'active.idle')
})

test('Retry-After is honoured as a floor under the jitter', async () => {
  const session = await signedInSession(api, { clock, random: () => 0.5 })
  api.script = ['rate_limited'] // Retry-After: 7
  api.expireAccessTokens()

  const pending = session.fetch(api.url('/data'))

  expect(await nextRetryDelay(session)).toBe(7_000)
  clock.advance(7_000)
  expect((await pending).status).toBe(200)
})

test('all waiting requests share one wait: one refresh sequence for many requests', async () => {
  const session = await signedInSession(api, { clock, random: () => 0.5 })
  api.script = ['server_error']
  api.expireAccessTokens()

  const pending = Array.from({ length: 6 }, (_, i) => session.fetch(api.url(`/data/${i}`)))
  clock.advance(await nextRetryDelay(session))

  expect((await Promise.all(pending)).map((response) => response.status)).toEqual(Array(6).fill(200))
  expect(api.refreshes).toHaveLength(2)
})

test('after the last attempt, waiting requests reject with the failure and the session stays signed in', async () => {
  const session = await signedInSession(api, { clock, random: () => 0.5, refresh: { maxAttempts: 3 } })
  api.mode = 'server_error'
  api.expireAccessTokens()

  const pending = settleOf(session.fetch(api.url('/data')))
  clock.advance(await nextRetryDelay(session))
  clock.advance(await nextRetryDelay(session))
  const result = await pending

  expect(result.ok ? undefined : result.error).toMatchObject({ name: 'RefreshError', code: 'SERVER_ERROR', status: 503 })
  expect(api.refreshes).toHaveLength(3)
  // idle once the burst is over: the chart settles a turn of the event loop after the last request
  await waitForState(session, 'active.idle')
  api.mode = 'ok'
  expect((await session.fetch(api.url('/data'))).status).toBe(200)
})

test('a malformed answer is not retried: it would not get better', async () => {
  const session = await signedInSession(api, { clock })
  api.script = ['invalid_response']
  api.expireAccessTokens()

  const result = await settleOf(session.fetch(api.url('/data')))

  expect(result.ok ? undefined : result.error).toMatchObject({ code: 'INVALID_RESPONSE' })
  expect(api.refreshes).toHaveLength(1)
})

test('offline, a failed attempt waits for the network instead of burning attempts', async () => {
  const environment = manualEnvironment()
  const session = await signedInSession(api, { clock, environment, refresh: { maxAttempts: 1 } })
  environment.emit('offline')
  api.script = ['server_error']
  api.expireAccessTokens()

  const pending = session.fetch(api.url('/data'))
  await waitForState(session, 'refreshing.offline')
  expect(session.actor.getSnapshot().context.attempt).toBe(0)

  environment.emit('online')

  expect((await pending).status).toBe(200)
  expect(api.refreshes).toHaveLength(2)
})

test('a token endpoint that never answers fails at the deadline with TIMEOUT', async () => {
  const session = await signedInSession(api, {
    clock,
    tokenEndpoint: () => new Promise(() => undefined), // ignores its signal, never settles
    refresh: { timeout: 2_000, maxAttempts: 1 },
  })
  api.expireAccessTokens()

  const pending = settleOf(session.fetch(api.url('/data')))
  await until(() => clock.pending().some((timer) => timer.dueAt === 2_000))
  clock.advance(2_000)

  expect(await pending).toMatchObject({ ok: false, error: { name: 'RefreshError', code: 'TIMEOUT' } })
  // idle once the burst is over: the chart settles a turn of the event loop after the last request
  await waitForState(session, 'active.idle')
})
