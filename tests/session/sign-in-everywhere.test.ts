import { afterEach, beforeEach, expect, test } from 'vitest'
import { inProcessLock } from '../../adapters/in-process-lock.js'
import { startFakeApi, type FakeApi } from '../support/fake-api.js'
import { memoryBroadcastBus } from '../support/memory-broadcast.js'
import { familiesSeen, scopedSession, sharedSlot } from '../support/scoped-sessions.js'
import { settleOf, stateOf, until, waitForState } from '../support/session-harness.js'

// Issue 9, finding 4: a sign-in was not broadcast and its generation ignored
// storage, so a sibling still on the old user overwrote storage at its next
// refresh, and the new user's tab then sent the old user's token.

let api: FakeApi
beforeEach(async () => {
  api = await startFakeApi()
})
afterEach(() => api.close())

/** Two tabs of one scope (one storage slot, one lock, one channel), signed in as Alice in the first. */
async function twoTabs() {
  const bus = memoryBroadcastBus()
  const lock = inProcessLock()
  const slot = sharedSlot('app')
  const tabA = scopedSession(api, { storage: slot, lock, broadcast: bus.join() })
  const tabB = scopedSession(api, { storage: slot, lock, broadcast: bus.join() })
  const alice = api.issue()
  await tabA.signIn(alice)
  await waitForState(tabB, 'active')
  return { tabA, tabB, slot, aliceFamily: api.familyOf(alice.access_token) }
}

test('a sign-in in one tab replaces the grant in every tab: no tab sends the old user’s token afterwards', async () => {
  const { tabA, tabB, slot, aliceFamily } = await twoTabs()
  const bob = api.issue()
  const bobFamily = api.familyOf(bob.access_token)

  await tabB.signIn(bob)
  await until(() => tabA.actor.getSnapshot().context.grant === tabB.actor.getSnapshot().context.grant)
  api.expireAccessTokens()
  // Tab A refreshes first: it must present Bob's refresh token, not Alice's.
  expect((await tabA.fetch(api.url('/after/a'))).status).toBe(200)
  expect((await tabB.fetch(api.url('/after/b'))).status).toBe(200)

  expect(new Set(familiesSeen(api, '/after/'))).toEqual(new Set([bobFamily]))
  expect(api.refreshes.map((token) => api.familyOf(token))).toEqual([bobFamily])
  expect(api.familyOf(((await slot.load()) as { accessToken: string }).accessToken)).toBe(bobFamily)
  expect(aliceFamily).not.toBe(bobFamily)
})

test('requests parked for the old grant are refused, not sent with the new user’s token', async () => {
  const { tabA, tabB } = await twoTabs()
  api.expireAccessTokens()
  const release = api.hold()
  const parked = settleOf(tabA.fetch(api.url('/parked')))
  await until(() => api.refreshes.length === 1)

  // Bob signs in while Alice's request waits for her refresh.
  const signingIn = tabA.signIn(api.issue())
  expect(await parked).toMatchObject({ ok: false, error: { name: 'NotSignedInError' } })
  release()
  await signingIn

  // The one send it made was the 401 with Alice's expired token; nothing went out with Bob's.
  expect(familiesSeen(api, '/parked')).toHaveLength(1)
  expect(stateOf(tabA)).toMatch(/^active/)
  await until(() => tabB.actor.getSnapshot().context.grant === tabA.actor.getSnapshot().context.grant)
})

test('a sibling that missed the sign-in finds the new grant in storage under the lock, and follows it', async () => {
  const lock = inProcessLock()
  const slot = sharedSlot('app')
  // No channel: tab A hears nothing.
  const tabA = scopedSession(api, { storage: slot, lock })
  await tabA.signIn(api.issue())
  const tabB = scopedSession(api, { storage: slot, lock })
  await waitForState(tabB, 'active')
  const bob = api.issue()
  await tabB.signIn(bob)
  api.expireAccessTokens()

  // Made under Alice, it got a 401; under the lock tab A read Bob's record and followed it instead of
  // refreshing Alice's grant. The request belonged to Alice: it is refused, not replayed as Bob.
  expect(await settleOf(tabA.fetch(api.url('/late')))).toMatchObject({ ok: false, error: { name: 'NotSignedInError' } })
  expect(api.refreshes).toEqual([])
  expect(tabA.actor.getSnapshot().context.grant).toBe(tabB.actor.getSnapshot().context.grant)
  // Bob's token expired too: the next request refreshes Bob's grant, and only Bob's tokens go out.
  expect((await tabA.fetch(api.url('/next'))).status).toBe(200)
  expect(familiesSeen(api, '/next')).toEqual([api.familyOf(bob.access_token), api.familyOf(bob.access_token)])
  expect(api.refreshes).toEqual([bob.refresh_token])
})

test('two sign-ins at once in one scope end on one grant, the one committed last, in every tab and in storage', async () => {
  const { tabA, tabB, slot } = await twoTabs()

  await Promise.all([tabA.signIn(api.issue()), tabB.signIn(api.issue())])
  await new Promise((resolve) => setTimeout(resolve, 10))

  const stored = (await slot.load()) as { grant: string }
  expect(tabA.actor.getSnapshot().context.grant).toBe(stored.grant)
  expect(tabB.actor.getSnapshot().context.grant).toBe(stored.grant)
})
