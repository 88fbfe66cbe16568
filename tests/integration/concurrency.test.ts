import { expect, test } from 'vitest'

import { signedInSession, useRealWorld, statusesOf, waitForAccessTokenExpiry } from './real-world.js'

const world = useRealWorld()

test('100 concurrent requests after expiry share one refresh grant, and the grant survives it', async () => {
  const { session, storage, tokenEndpoint, initialRefreshToken } = await signedInSession(world)
  await waitForAccessTokenExpiry(storage)

  const responses = await Promise.all(Array.from({ length: 100 }, () => session.fetch(`${world.api.url}/data`)))

  expect(statusesOf(responses)).toEqual(Array.from({ length: 100 }, () => 200))
  // Every first send carried the expired token; every replay carried the refreshed one.
  expect(world.api.counts).toEqual({ requests: 200, ok: 100, unauthorized: 100, forbidden: 0 })
  expect(world.as.counts).toMatchObject({ refreshGrants: 1, refreshGrantsSucceeded: 1, refreshGrantsFailed: 0 })

  // With rotation, a second concurrent refresh would have presented the rotated-out token and
  // revoked the whole grant (reuse detection). The next refresh succeeding proves it did not.
  await waitForAccessTokenExpiry(storage)
  const later = await session.fetch(`${world.api.url}/data`)

  expect(later.status).toBe(200)
  expect(world.as.counts).toMatchObject({ refreshGrants: 2, refreshGrantsSucceeded: 2, refreshGrantsFailed: 0 })
  expect(tokenEndpoint.exchanges.map(({ refreshToken, status }) => [refreshToken, status])).toEqual([
    [initialRefreshToken, 200],
    [tokenEndpoint.exchanges[0]?.body?.['refresh_token'], 200],
  ])
})
