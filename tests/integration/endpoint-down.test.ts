import { afterEach, expect, test } from 'vitest'

import { RefreshError } from '../../index.js'
import { settleOf, waitForState } from '../support/session-harness.js'
import { signedInSession, useRealWorld, waitForAccessTokenExpiry } from './real-world.js'

const world = useRealWorld()
// A failed test must not leave the token endpoint down for the next one.
afterEach(() => world.as.resume())

test('a refresh while the token endpoint is down fails with a RefreshError and keeps the session for the same grant', async () => {
  const { session, storage, tokenEndpoint, navigations, emitted, initialRefreshToken } = await signedInSession(world)
  await waitForAccessTokenExpiry(storage)
  await world.as.pause()

  const whileDown = await settleOf(session.fetch(`${world.api.url}/data`))

  expect(whileDown.ok).toBe(false)
  if (!whileDown.ok) {
    expect(whileDown.error).toBeInstanceOf(RefreshError)
    expect(whileDown.error).toMatchObject({ name: 'RefreshError', code: 'NETWORK' })
  }
  // idle once the burst is over: the chart settles a turn of the event loop after the last request
  await waitForState(session, 'active.idle')
  expect(storage.clears).toBe(0)
  expect(storage.current()).toMatchObject({ refreshToken: initialRefreshToken, generation: 1 })
  expect(navigations).toEqual([])
  expect(emitted).toEqual([{ type: 'refreshFailed', code: 'NETWORK', attempt: 1, willRetry: false }])

  await world.as.resume()
  const afterResume = await session.fetch(`${world.api.url}/data`)

  expect(afterResume.status).toBe(200)
  // The refresh token the sign-in received was accepted: the grant is the same one.
  expect(tokenEndpoint.exchanges.map(({ refreshToken, status }) => [refreshToken, status])).toEqual([
    [initialRefreshToken, 'no answer'],
    [initialRefreshToken, 200],
  ])
  expect(world.as.counts).toMatchObject({ refreshGrants: 1, refreshGrantsSucceeded: 1, refreshGrantsFailed: 0 })
  expect(world.api.counts).toEqual({ requests: 3, ok: 1, unauthorized: 2, forbidden: 0 })
  // idle once the burst is over: the chart settles a turn of the event loop after the last request
  await waitForState(session, 'active.idle')
})
