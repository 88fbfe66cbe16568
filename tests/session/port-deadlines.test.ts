import { afterEach, beforeEach, expect, test } from 'vitest'
import { memoryStorage } from '../../adapters/memory-storage.js'
import { oauth2TokenEndpoint } from '../../adapters/oauth2-token-endpoint.js'
import type { Broadcast, Lock, StoredTokens, TokenStorage } from '../../machines/ports.js'
import { createTokenSession, type TokenSessionOptions } from '../../session/create-token-session.js'
import type { SessionWarning } from '../../session/warnings.js'
import { startFakeApi, type FakeApi } from '../support/fake-api.js'
import { scopedSession, sharedSlot } from '../support/scoped-sessions.js'
import { settleOf, stateOf, waitForState } from '../support/session-harness.js'

// Issue 9, finding 9: only the exchange had a deadline. A storage, lock,
// publish or revoke that never settled left callers waiting, and a request
// waited through every attempt of a renewal (more than 30 s).

let api: FakeApi
beforeEach(async () => {
  api = await startFakeApi()
})
afterEach(() => api.close())

const never = () => new Promise<never>(() => undefined)
const timeout = 100

/** Milliseconds `promise` took to settle. */
async function timed(promise: Promise<unknown>): Promise<number> {
  const start = performance.now()
  await promise.catch(() => undefined)
  return performance.now() - start
}

function session(options: Partial<TokenSessionOptions>) {
  const created = createTokenSession({
    tokenEndpoint: oauth2TokenEndpoint({ url: api.tokenUrl, clientId: 'spa', revocationUrl: api.revokeUrl }),
    allowedOrigins: [api.origin],
    refresh: { timeout },
    ...options,
  })
  const warnings: SessionWarning['code'][] = []
  created.on('warning', (warning) => warnings.push(warning.code))
  return { session: created, warnings }
}

test('a startup load that never answers is treated as empty, with a warning', async () => {
  const { session: hung, warnings } = session({ storage: { load: never, save: () => undefined, clear: () => undefined } })

  await waitForState(hung, 'signedOut', 1_000)

  expect(warnings).toEqual(['STORAGE_TIMEOUT'])
})

test('a save that never answers holds neither the sign-in nor the requests waiting for a refresh', async () => {
  let saves = 0
  const slow: TokenStorage = {
    load: () => null,
    save: () => (saves++ === 0 ? never() : undefined),
    clear: () => undefined,
  }
  const { session: hung, warnings } = session({ storage: slow })

  expect(await timed(hung.signIn(api.issue()))).toBeLessThan(1_000)
  api.expireAccessTokens()
  const response = await hung.fetch(api.url('/data'))

  expect(response.status).toBe(200)
  expect(warnings).toEqual(['STORAGE_TIMEOUT'])
})

test('a lock that never grants fails the refresh with LOCK_TIMEOUT within lockTimeout', async () => {
  const hungLock: Lock = { withLock: never }
  const { session: hung } = session({
    storage: memoryStorage(),
    coordination: { lock: hungLock, lockTimeout: timeout },
    refresh: { timeout, maxAttempts: 1 },
  })
  // The sign-in goes ahead without the lock, with a warning.
  await hung.signIn(api.issue())
  api.expireAccessTokens()

  const started = performance.now()
  const result = await settleOf(hung.fetch(api.url('/data')))

  expect(result).toMatchObject({ ok: false, error: { name: 'RefreshError', code: 'LOCK_TIMEOUT' } })
  expect(performance.now() - started).toBeLessThan(1_000)
  expect(api.refreshes).toEqual([])
})

test('a publish that never answers does not keep parked requests from their new token', async () => {
  const hungBroadcast: Broadcast = { publish: never, subscribe: () => () => undefined, close: () => undefined }
  const hung = scopedSession(api, { storage: sharedSlot('app'), broadcast: hungBroadcast }, { refresh: { timeout } })
  const warnings: string[] = []
  hung.on('warning', (warning) => warnings.push(warning.code))
  await hung.signIn(api.issue())
  api.expireAccessTokens()

  const response = await hung.fetch(api.url('/data'))

  expect(response.status).toBe(200)
  expect(warnings).toEqual(['BROADCAST_FAILED', 'BROADCAST_FAILED'])
})

test('a revocation that never answers ends the sign-out at the deadline, with a warning', async () => {
  const { session: hung, warnings } = session({
    tokenEndpoint: { refresh: never, revoke: never },
  })
  await hung.signIn({ accessToken: 'at', refreshToken: 'rt' })

  expect(await timed(hung.signOut())).toBeLessThan(1_000)
  expect(stateOf(hung)).toBe('signedOut')
  expect(warnings).toEqual(['REVOCATION_FAILED'])
})

test('a request parked for a renewal settles within maxWait with TIMEOUT; the renewal goes on and later requests join it', async () => {
  let release!: () => void
  const answered = new Promise<void>((resolve) => (release = resolve))
  let calls = 0
  const { session: slow } = session({
    tokenEndpoint: async () => {
      calls++
      await answered
      return { accessToken: 'at-new', refreshToken: 'rt-new', expiresIn: 300 }
    },
    refresh: { timeout: 5_000, maxWait: 150 },
  })
  await slow.signIn({ accessToken: 'at-old', refreshToken: 'rt-old', expiresIn: 0 })

  const started = performance.now()
  const first = await settleOf(slow.fetch(api.url('/data')))
  const waited = performance.now() - started

  expect(first).toMatchObject({ ok: false, error: { name: 'RefreshError', code: 'TIMEOUT' } })
  expect(waited).toBeGreaterThanOrEqual(140)
  expect(waited).toBeLessThan(1_000)
  expect(stateOf(slow)).toBe('refreshing.exchanging')
  const second = slow.fetch(api.url('/data'))
  release()
  // The fake API knows no at-new: what matters is that the second request joined the one renewal.
  await second
  expect(calls).toBe(1)
})

test('a storage that hangs is left behind for memory: what was saved before is what later loads see', async () => {
  const tokens = api.issue()
  const record: StoredTokens = {
    version: 2,
    scope: 'private',
    grant: 'test-grant-0000000001',
    generation: 1,
    accessToken: tokens.access_token,
    refreshToken: tokens.refresh_token,
    expiresAt: null,
  }
  let hangs = false
  const stored: { value: StoredTokens | null } = { value: record }
  const flaky: TokenStorage = {
    load: () => (hangs ? never() : stored.value),
    save: (tokens) => (hangs ? never() : void (stored.value = tokens)),
    clear: () => undefined,
  }
  const { session: hung, warnings } = session({ storage: flaky })
  await waitForState(hung, 'active')
  hangs = true
  api.expireAccessTokens()

  // The refresh re-reads storage under the lock: a hang there must not stall it.
  const result = await settleOf(hung.fetch(api.url('/data')))

  expect(result.ok).toBe(true)
  expect(warnings[0]).toBe('STORAGE_TIMEOUT')
})
