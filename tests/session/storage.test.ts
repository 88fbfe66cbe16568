import { afterEach, beforeEach, expect, test } from 'vitest'
import { oauth2TokenEndpoint } from '../../adapters/oauth2-token-endpoint.js'
import { webStorage, type KeyValueStore } from '../../adapters/web-storage.js'
import type { TokenStorage } from '../../machines/ports.js'
import { createTokenSession } from '../../session/create-token-session.js'
import { startFakeApi, type FakeApi } from '../support/fake-api.js'
import { stateOf, waitForState } from '../support/session-harness.js'

let api: FakeApi
beforeEach(async () => {
  api = await startFakeApi()
})
afterEach(() => api.close())

/** A localStorage stand-in: the same synchronous string API. */
function fakeLocalStorage(): KeyValueStore & { data: Map<string, string> } {
  const data = new Map<string, string>()
  return {
    data,
    getItem: (key) => data.get(key) ?? null,
    setItem: (key, value) => void data.set(key, value),
    removeItem: (key) => void data.delete(key),
  }
}

function sessionWith(storage: TokenStorage) {
  return createTokenSession({
    tokenEndpoint: oauth2TokenEndpoint({ url: api.tokenUrl, clientId: 'spa' }),
    allowedOrigins: [api.origin],
    storage,
  })
}

test('web storage keeps the session across a reload, under a namespaced key', async () => {
  const local = fakeLocalStorage()
  const first = sessionWith(webStorage(local, { key: 'app:auth' }))
  await first.signIn(api.issue())
  expect([...local.data.keys()]).toEqual(['app:auth'])

  const reloaded = sessionWith(webStorage(local, { key: 'app:auth' }))
  await waitForState(reloaded, 'active')

  expect((await reloaded.fetch(api.url('/data'))).status).toBe(200)
  expect(api.seen.at(-1)?.authorization).toBe('Bearer at-1')
})

test('requests made while an async storage loads wait for it, then go out as first sends', async () => {
  const local = fakeLocalStorage()
  await sessionWith(webStorage(local)).signIn(api.issue())
  api.expireAccessTokens() // the stored token is stale by the time the app reloads
  let finishLoading!: () => void
  const loaded = new Promise<void>((resolve) => (finishLoading = resolve))
  const slowStore: KeyValueStore = {
    getItem: async (key) => {
      await loaded
      return local.getItem(key)
    },
    setItem: (key, value) => local.setItem(key, value),
    removeItem: (key) => local.removeItem(key),
  }
  const session = sessionWith(webStorage(slowStore))
  const early = session.fetch(api.url('/early'))
  await new Promise((resolve) => setTimeout(resolve, 10))
  expect(stateOf(session)).toBe('restoring')

  finishLoading()

  // The stale stored token earns the request its one refresh-and-replay.
  expect((await early).status).toBe(200)
  expect(api.refreshes).toEqual(['rt-1'])
})

test.each([
  ['not JSON', '{nope'],
  ['the wrong version', JSON.stringify({ version: 2, accessToken: 'a', expiresAt: null, generation: 1 })],
  ['an access token with a newline', JSON.stringify({ version: 1, accessToken: 'a\nb', expiresAt: null, generation: 1 })],
  ['a negative generation', JSON.stringify({ version: 1, accessToken: 'a', expiresAt: null, generation: -1 })],
])('stored data with %s is discarded with a warning', async (_, stored) => {
  const local = fakeLocalStorage()
  local.data.set('token-refresh-machine:session', stored)
  const session = sessionWith(webStorage(local))
  const warnings: string[] = []
  session.on('warning', (warning) => warnings.push(warning.code))

  await waitForState(session, 'signedOut')
  await new Promise((resolve) => setTimeout(resolve, 0))

  expect(warnings).toEqual(['STORAGE_DISCARDED'])
  expect(local.data.size).toBe(0)
})

test('a storage that throws falls back to memory with a warning, and the session still works', async () => {
  const broken: TokenStorage = {
    load: () => null,
    save: () => {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError')
    },
    clear: () => undefined,
  }
  const session = sessionWith(broken)
  const warnings: string[] = []
  session.on('warning', (warning) => warnings.push(warning.code))

  await session.signIn(api.issue())
  api.expireAccessTokens()
  const response = await session.fetch(api.url('/data'))
  await new Promise((resolve) => setTimeout(resolve, 0))

  expect(response.status).toBe(200)
  expect(warnings).toEqual(['STORAGE_FALLBACK'])
})

test('a storage whose load throws starts signed out with a warning', async () => {
  const session = sessionWith({
    load: () => {
      throw new DOMException('denied', 'SecurityError')
    },
    save: () => undefined,
    clear: () => undefined,
  })
  const warnings: string[] = []
  session.on('warning', (warning) => warnings.push(warning.code))

  await waitForState(session, 'signedOut')
  await new Promise((resolve) => setTimeout(resolve, 0))
  expect(warnings).toEqual(['STORAGE_FALLBACK'])
})
