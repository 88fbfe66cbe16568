import { afterEach, beforeEach, expect, test } from 'vitest'
import { inProcessLock } from '../../adapters/in-process-lock.js'
import { memoryStorage } from '../../adapters/memory-storage.js'
import type { SessionWarning } from '../../session/warnings.js'
import { startFakeApi, type FakeApi } from '../support/fake-api.js'
import { memoryBroadcastBus } from '../support/memory-broadcast.js'
import { familiesSeen, scopedSession, sharedSlot } from '../support/scoped-sessions.js'
import { stateOf, until, waitForState } from '../support/session-harness.js'

// Issue 9, finding 1: broadcasts carried no grant identity, so two sessions on
// one channel adopted each other's tokens and followed each other's sign-out.

let api: FakeApi
beforeEach(async () => {
  api = await startFakeApi()
})
afterEach(() => api.close())

/** Alice and Bob, one session each, on one channel and one lock, each with a storage slot of their own. */
async function aliceAndBob() {
  const bus = memoryBroadcastBus()
  const lock = inProcessLock()
  const alice = scopedSession(api, { storage: sharedSlot('user:alice'), lock, broadcast: bus.join() })
  const bob = scopedSession(api, { storage: sharedSlot('user:bob'), lock, broadcast: bus.join() })
  const aliceTokens = api.issue()
  const bobTokens = api.issue()
  await alice.signIn(aliceTokens)
  await bob.signIn(bobTokens)
  return { alice, bob, aliceFamily: api.familyOf(aliceTokens.access_token), bobFamily: api.familyOf(bobTokens.access_token) }
}

test("sessions of two scopes on one channel never send each other's tokens, across expiries", async () => {
  const { alice, bob, aliceFamily, bobFamily } = await aliceAndBob()

  for (let expiry = 0; expiry < 3; expiry++) {
    api.expireAccessTokens()
    // Alice refreshes first and broadcasts; Bob must not adopt what she heard from the server.
    expect((await alice.fetch(api.url(`/alice/${expiry}`))).status).toBe(200)
    expect((await bob.fetch(api.url(`/bob/${expiry}`))).status).toBe(200)
  }

  expect(new Set(familiesSeen(api, '/alice/'))).toEqual(new Set([aliceFamily]))
  expect(new Set(familiesSeen(api, '/bob/'))).toEqual(new Set([bobFamily]))
  // One refresh per user per expiry, each presenting its own user's refresh token.
  expect(api.refreshes.map((token) => api.familyOf(token))).toEqual([
    aliceFamily,
    bobFamily,
    aliceFamily,
    bobFamily,
    aliceFamily,
    bobFamily,
  ])
})

test("one user's sign-out leaves the other user's session and storage untouched", async () => {
  const bus = memoryBroadcastBus()
  const lock = inProcessLock()
  const bobStorage = sharedSlot('user:bob')
  const alice = scopedSession(api, { storage: sharedSlot('user:alice'), lock, broadcast: bus.join() })
  const bob = scopedSession(api, { storage: bobStorage, lock, broadcast: bus.join() })
  await alice.signIn(api.issue())
  const bobTokens = api.issue()
  await bob.signIn(bobTokens)

  await alice.signOut()
  await new Promise((resolve) => setTimeout(resolve, 10))

  expect(stateOf(alice)).toBe('signedOut')
  expect(stateOf(bob)).toMatch(/^active/)
  expect(await bobStorage.load()).toMatchObject({ accessToken: bobTokens.access_token, scope: 'user:bob' })
  expect((await bob.fetch(api.url('/bob/after'))).status).toBe(200)
  expect(familiesSeen(api, '/bob/')).toEqual([api.familyOf(bobTokens.access_token)])
})

test('messages of another scope are dropped without a word; the channel may be shared by many', async () => {
  const bus = memoryBroadcastBus()
  const alice = scopedSession(api, { storage: sharedSlot('user:alice'), broadcast: bus.join() })
  const warnings: SessionWarning[] = []
  alice.on('warning', (warning) => warnings.push(warning))
  await alice.signIn(api.issue())
  const stranger = bus.join()

  await stranger.publish({ type: 'session.ended', scope: 'user:bob', grant: 'grant-of-bob-000001', reason: 'signedOut' })
  await new Promise((resolve) => setTimeout(resolve, 10))

  expect(stateOf(alice)).toMatch(/^active/)
  expect(warnings).toEqual([])
})

test('a broadcast with a storage private to its realm needs a named scope', () => {
  const bus = memoryBroadcastBus()
  expect(() => scopedSession(api, { storage: memoryStorage(), broadcast: bus.join() })).toThrow(/name the scope/)
  expect(() =>
    scopedSession(
      api,
      { storage: memoryStorage() },
      { coordination: { name: 'user:alice', broadcast: bus.join(), lock: inProcessLock() } },
    ),
  ).not.toThrow()
})

test('sessions in one scope that share a storage slot still share the grant: one refresh for both', async () => {
  const bus = memoryBroadcastBus()
  const lock = inProcessLock()
  const slot = sharedSlot('user:alice')
  const first = scopedSession(api, { storage: slot, lock, broadcast: bus.join() })
  await first.signIn(api.issue())
  const second = scopedSession(api, { storage: slot, lock, broadcast: bus.join() })
  await waitForState(second, 'active')
  api.expireAccessTokens()

  await Promise.all([first.fetch(api.url('/a')), second.fetch(api.url('/b'))])

  expect(api.refreshes).toEqual(['rt-1'])
  await until(() => second.actor.getSnapshot().context.generation === 2)
  expect(second.actor.getSnapshot().context.grant).toBe(first.actor.getSnapshot().context.grant)
})
