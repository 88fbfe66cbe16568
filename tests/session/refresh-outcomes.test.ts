import { afterEach, beforeEach, expect, test } from 'vitest'
import { memoryStorage } from '../../adapters/memory-storage.js'
import { callbackNavigation } from '../../adapters/navigation.js'
import { RefreshError, SessionExpiredError } from '../../machines/errors.js'
import type { StoredTokens, TokenStorage } from '../../machines/ports.js'
import { startFakeApi, type FakeApi } from '../support/fake-api.js'
import { settleOf, signedInSession, stateOf, waitForState } from '../support/session-harness.js'

let api: FakeApi
beforeEach(async () => {
  api = await startFakeApi()
})
afterEach(() => api.close())

function spyStorage(): TokenStorage & { saved: StoredTokens[]; cleared: number } {
  const inner = memoryStorage()
  const spy = {
    saved: [] as StoredTokens[],
    cleared: 0,
    load: () => inner.load(),
    save: (tokens: StoredTokens) => {
      spy.saved.push(tokens)
      return inner.save(tokens)
    },
    clear: () => {
      spy.cleared++
      return inner.clear()
    },
  }
  return spy
}

test('success stores the new access token, the rotated refresh token and the expiry, then replays', async () => {
  const storage = spyStorage()
  const session = await signedInSession(api, { storage })
  const refreshed: unknown[] = []
  session.on('refreshed', (event) => refreshed.push(event))
  api.expireAccessTokens()

  const response = await session.fetch(api.url('/data'))

  expect(response.status).toBe(200)
  expect(storage.saved.at(-1)).toMatchObject({ accessToken: 'at-2', refreshToken: 'rt-2', generation: 2 })
  expect(storage.saved.at(-1)?.expiresAt).toBeGreaterThan(Date.now() + 290_000)
  expect(refreshed).toEqual([{ type: 'refreshed', generation: 2 }])
})

test('a response without a refresh token keeps the old one (RFC 6749 §6)', async () => {
  const storage = spyStorage()
  const session = await signedInSession(api, { storage })
  api.mode = 'no_rotation'
  api.expireAccessTokens()
  await session.fetch(api.url('/one'))
  api.expireAccessTokens()
  await session.fetch(api.url('/two'))

  expect(api.refreshes).toEqual(['rt-1', 'rt-1'])
  expect(storage.saved.at(-1)).toMatchObject({ refreshToken: 'rt-1' })
})

test('invalid_grant expires the session: storage cleared, waiters rejected, navigation called once', async () => {
  const storage = spyStorage()
  let navigations = 0
  const session = await signedInSession(api, { storage, navigation: callbackNavigation(() => navigations++) })
  api.mode = 'invalid_grant'
  api.expireAccessTokens()

  const results = await Promise.all(Array.from({ length: 5 }, (_, i) => settleOf(session.fetch(api.url(`/d/${i}`)))))

  for (const result of results) {
    expect(result.ok).toBe(false)
    expect(result.ok || result.error).toBeInstanceOf(SessionExpiredError)
  }
  expect(stateOf(session)).toBe('expired')
  expect(storage.cleared).toBe(1)
  expect(await storage.load()).toBeNull()
  await new Promise((resolve) => setTimeout(resolve, 0))
  expect(navigations).toBe(1)
  expect(api.refreshes).toHaveLength(1)
})

test.each([
  ['server_error', 'SERVER_ERROR', 503, undefined],
  ['rate_limited', 'RATE_LIMITED', 429, 7],
  ['invalid_response', 'INVALID_RESPONSE', 200, undefined],
] as const)('%s rejects waiters with RefreshError %s and keeps the session', async (mode, code, status, retryAfter) => {
  const storage = spyStorage()
  // One attempt: the mapping of each failure is the point here; retries have their own tests.
  const session = await signedInSession(api, { storage, refresh: { maxAttempts: 1 } })
  const failures: unknown[] = []
  session.on('refreshFailed', (event) => failures.push(event))
  api.mode = mode
  api.expireAccessTokens()

  const result = await settleOf(session.fetch(api.url('/data')))

  expect(result.ok).toBe(false)
  const error = result.ok ? undefined : result.error
  expect(error).toBeInstanceOf(RefreshError)
  expect(error).toMatchObject({ code, status, retryAfter })
  // idle once the burst is over: the chart settles a turn of the event loop after the last request
  await waitForState(session, 'active.idle')
  expect(storage.cleared).toBe(0)
  expect(storage.saved).toHaveLength(1)
  expect(failures).toEqual([{ type: 'refreshFailed', code, attempt: 1, willRetry: false }])

  // The next request may try again, and succeeds once the endpoint is back.
  api.mode = 'ok'
  expect((await session.fetch(api.url('/data'))).status).toBe(200)
  expect(api.refreshes).toEqual(['rt-1', 'rt-1'])
})

test('a network failure is a RefreshError NETWORK and keeps the session', async () => {
  const session = await signedInSession(api, {
    refresh: { maxAttempts: 1 },
    tokenEndpoint: async () => {
      throw new TypeError('fetch failed')
    },
  })
  api.expireAccessTokens()

  const result = await settleOf(session.fetch(api.url('/data')))

  expect(result.ok ? undefined : result.error).toMatchObject({ name: 'RefreshError', code: 'NETWORK' })
  // idle once the burst is over: the chart settles a turn of the event loop after the last request
  await waitForState(session, 'active.idle')
})

test('a 401 without a refresh token expires the session', async () => {
  const session = await signedInSession(api)
  await session.signIn({ access_token: 'at-only', token_type: 'Bearer' })

  const result = await settleOf(session.fetch(api.url('/data')))

  expect(result.ok ? undefined : result.error).toBeInstanceOf(SessionExpiredError)
  await waitForState(session, 'expired')
  expect(api.refreshes).toHaveLength(0)
})

test('a navigation adapter that throws is a warning: the session still expires and every request settles', async () => {
  const session = await signedInSession(api, {
    navigation: callbackNavigation(() => {
      throw new Error('router not ready')
    }),
  })
  const warnings: string[] = []
  session.on('warning', (warning) => warnings.push(warning.code))
  api.mode = 'invalid_grant'
  api.expireAccessTokens()

  const result = await settleOf(session.fetch(api.url('/data')))
  await new Promise((resolve) => setTimeout(resolve, 0))

  expect(result.ok ? undefined : result.error).toBeInstanceOf(SessionExpiredError)
  expect(stateOf(session)).toBe('expired')
  expect(warnings).toEqual(['NAVIGATION_FAILED'])
})
