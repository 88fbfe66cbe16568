import { expect, test } from 'vitest'

import { refreshFromOutside, signedInSession, useRealWorld, waitForAccessTokenExpiry } from './real-world.js'

const world = useRealWorld()

test('a refresh stores the rotated refresh token', async () => {
  const { session, storage, tokenEndpoint, initialRefreshToken } = await signedInSession(world)
  await waitForAccessTokenExpiry(storage)

  const response = await session.fetch(`${world.api.url}/data`)

  expect(response.status).toBe(200)
  const [exchange] = tokenEndpoint.exchanges
  const rotated = exchange?.body?.['refresh_token']
  expect(tokenEndpoint.exchanges).toHaveLength(1)
  expect(exchange?.refreshToken).toBe(initialRefreshToken)
  expect(rotated).toEqual(expect.any(String))
  expect(rotated).not.toBe(initialRefreshToken)
  expect(storage.saved.map((record) => record.refreshToken)).toEqual([initialRefreshToken, rotated])
  expect(storage.current()).toMatchObject({ accessToken: exchange?.body?.['access_token'], refreshToken: rotated, generation: 2 })
  expect(world.as.counts).toMatchObject({ refreshGrants: 1, refreshGrantsSucceeded: 1, refreshGrantsFailed: 0 })
})

test('the server refuses the rotated-out refresh token, and that reuse revokes the grant', async () => {
  const { session, storage, initialRefreshToken } = await signedInSession(world)
  await waitForAccessTokenExpiry(storage)
  expect((await session.fetch(`${world.api.url}/data`)).status).toBe(200)
  const rotated = storage.current()?.refreshToken ?? ''

  const reuse = await refreshFromOutside(world.as, initialRefreshToken)
  const afterReuse = await refreshFromOutside(world.as, rotated)

  expect(reuse).toMatchObject({ status: 400, body: { error: 'invalid_grant' } })
  // Reuse detection (RFC 9700 §4.14.2) revoked the whole grant, the stored token included.
  expect(afterReuse).toMatchObject({ status: 400, body: { error: 'invalid_grant' } })
  expect(world.as.counts).toMatchObject({ refreshGrants: 3, refreshGrantsSucceeded: 1, refreshGrantsFailed: 2 })
})
