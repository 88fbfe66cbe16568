import { afterEach, beforeEach, expect, test } from 'vitest'
import { sessionStatus } from '../../index.js'
import { selectFromSession } from '../../integrations/selection.js'
import { sessionStatusStore } from '../../integrations/svelte.js'
import { startFakeApi, type FakeApi } from '../support/fake-api.js'
import { signedInSession } from '../support/session-harness.js'

// What every framework binding is built on: a value that tells of changes only.
let api: FakeApi
beforeEach(async () => {
  api = await startFakeApi()
})
afterEach(() => api.close())

test('listeners hear of a change of the selected value only, not of every event the chart takes', async () => {
  const session = await signedInSession(api)
  let snapshots = 0
  session.actor.subscribe(() => snapshots++)
  const selection = selectFromSession(session, sessionStatus)
  const heard: string[] = []
  const stop = selection.subscribe((status) => heard.push(status))

  for (let i = 0; i < 5; i++) await session.fetch(api.url('/data'))
  api.expireAccessTokens()
  await session.fetch(api.url('/data'))
  await session.signOut()
  stop()

  expect(snapshots).toBeGreaterThan(heard.length)
  expect(heard).toEqual(['refreshing', 'active', 'signedOut'])
  expect(selection.get()).toBe('signedOut')
})

test('two subscribers both hear every change, and the last one to leave ends the subscription to the actor', async () => {
  const session = await signedInSession(api)
  const store = sessionStatusStore(session)
  const first: string[] = []
  const second: string[] = []
  const stopFirst = store.subscribe((status) => first.push(status))
  const stopSecond = store.subscribe((status) => second.push(status))

  api.expireAccessTokens()
  await session.fetch(api.url('/data'))
  stopFirst()
  await session.signOut()
  stopSecond()

  // A store calls back at once with the value it holds, then on each change.
  expect(first).toEqual(['active', 'refreshing', 'active'])
  expect(second).toEqual(['active', 'refreshing', 'active', 'signedOut'])
  // Nothing follows the actor any more: its observers are the session's own.
  const observers = (session.actor as unknown as { observers: Set<unknown> }).observers
  const before = observers.size
  const stop = store.subscribe(() => {})
  expect(observers.size).toBe(before + 1)
  stop()
  expect(observers.size).toBe(before)
})
