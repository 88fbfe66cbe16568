import { afterEach, expect, test } from 'vitest'

import { RefreshError } from '../../index.js'
import { settleOf, waitForState } from '../support/session-harness.js'
import { signedInSession, sleep, useRealWorld, waitForAccessTokenExpiry } from './real-world.js'

const world = useRealWorld()
// A failed test must not leave the token endpoint down for the next one.
afterEach(() => world.as.resume())

test('a refresh while the token endpoint is down fails with a RefreshError and keeps the session for the same grant', async () => {
  // Renewal on use only, and allowed 500 ms after the tokens arrived rather than the default 5 s: past the
  // expiry the session knows, every request of this test waits for a refresh instead of meeting a 401, so
  // the counts below do not depend on how long the pause and the resume take.
  const { session, storage, tokenEndpoint, navigations, emitted, initialRefreshToken } = await signedInSession(world, {
    refresh: { proactive: false, minInterval: 500, maxAttempts: 1 },
  })
  // The server's expiry (a JWT's exp is whole seconds, so it can come up to a second earlier), then the session's.
  await waitForAccessTokenExpiry(storage)
  await sleep(Math.max(0, session.actor.getSnapshot().context.expiresAt! - performance.now() + 25))
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
  // The expired token was never sent: the only request the API saw is the one after the resume.
  expect(world.api.counts).toEqual({ requests: 1, ok: 1, unauthorized: 0, forbidden: 0 })
  // idle once the burst is over: the chart settles a turn of the event loop after the last request
  await waitForState(session, 'active.idle')
})
