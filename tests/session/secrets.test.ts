import type { InspectionEvent } from 'xstate'
import { afterEach, beforeEach, expect, test } from 'vitest'
import { webStorage } from '../../adapters/web-storage.js'
import { startFakeApi, type FakeApi } from '../support/fake-api.js'
import { settleOf, signedInSession } from '../support/session-harness.js'

let api: FakeApi
beforeEach(async () => {
  api = await startFakeApi()
})
afterEach(() => api.close())

/** Every token the fake API hands out looks like at-N or rt-N. */
const tokenPattern = /\b(at|rt)-\d+\b/

test('no token reaches the inspector: not in context, events, snapshots or actions', async () => {
  const inspected: InspectionEvent[] = []
  const session = await signedInSession(api, { inspect: (event) => inspected.push(event) })
  api.expireAccessTokens()
  await Promise.all([session.fetch(api.url('/a')), session.fetch(api.url('/b'))])
  api.mode = 'invalid_grant'
  api.expireAccessTokens()
  await settleOf(session.fetch(api.url('/c')))
  await session.signIn(api.issue())
  await session.signOut()

  expect(inspected.length).toBeGreaterThan(20)
  const serialized = JSON.stringify(inspected, (key, value: unknown) =>
    key === 'actorRef' || key === 'sourceRef' ? undefined : value,
  )
  expect(serialized).not.toMatch(tokenPattern)
  expect(JSON.stringify(session.actor.getPersistedSnapshot())).not.toMatch(tokenPattern)
})

test('no token appears in the errors a caller can see', async () => {
  const session = await signedInSession(api, { refresh: { maxAttempts: 1 } })
  const errors: unknown[] = []
  for (const mode of ['server_error', 'rate_limited', 'invalid_response', 'invalid_grant'] as const) {
    api.mode = mode
    api.expireAccessTokens()
    const result = await settleOf(session.fetch(api.url('/data')))
    if (!result.ok) errors.push(result.error)
  }

  expect(errors).toHaveLength(4)
  for (const caught of errors) {
    // Walk the cause chain: nothing along it may carry a token.
    let error: unknown = caught
    while (error instanceof Error) {
      expect(`${error.name}: ${error.message} ${error.stack ?? ''}`).not.toMatch(tokenPattern)
      error = error.cause
    }
  }
})

test('what web storage holds is the tokens and metadata only, under one key', async () => {
  const data = new Map<string, string>()
  const store = {
    getItem: (k: string) => data.get(k) ?? null,
    setItem: (k: string, v: string) => void data.set(k, v),
    removeItem: (k: string) => void data.delete(k),
  }
  const session = await signedInSession(api, { storage: webStorage(store) })
  expect([...data.keys()]).toEqual(['token-refresh-machine:session'])
  await session.signOut()
  expect(data.size).toBe(0)
})
