import { expect, test } from 'vitest'

import { settleOf, stateOf, until, waitForState } from '../support/session-harness.js'
import { signedInSession, useRealWorld, waitForAccessTokenExpiry } from './real-world.js'

const world = useRealWorld()

test('aborting a request that waits on a refresh rejects it and leaves the refresh running', async () => {
  const { session, storage, tokenEndpoint, emitted } = await signedInSession(world)
  await waitForAccessTokenExpiry(storage)
  const release = tokenEndpoint.hold()
  const trigger = session.fetch(`${world.api.url}/data`)
  await waitForState(session, 'refreshing')
  const controller = new AbortController()
  const waiting = settleOf(session.fetch(`${world.api.url}/data`, { signal: controller.signal }))
  await until(() => session.actor.getSnapshot().context.parked === 2)

  controller.abort()
  const aborted = await waiting

  expect(aborted).toMatchObject({ ok: false, error: { name: 'AbortError' } })
  expect(stateOf(session)).toBe('refreshing.exchanging')
  expect(session.actor.getSnapshot().context.parked).toBe(1)
  release()
  expect((await trigger).status).toBe(200)
  expect((await session.fetch(`${world.api.url}/data`)).status).toBe(200)
  expect(emitted).toEqual([{ type: 'refreshed', generation: 2 }])
  expect(world.as.counts).toMatchObject({ refreshGrants: 1, refreshGrantsSucceeded: 1, refreshGrantsFailed: 0 })
  // The trigger's 401 and its replay, then the later request; the aborted one never went out.
  expect(world.api.counts).toEqual({ requests: 3, ok: 2, unauthorized: 1, forbidden: 0 })
})
