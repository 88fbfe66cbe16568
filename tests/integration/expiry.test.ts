import { expect, test } from 'vitest'

import { signedInSession, useRealWorld, statusesOf, waitForAccessTokenExpiry } from './real-world.js'

const world = useRealWorld()

test('requests across three access-token expiries all succeed, with one refresh per expiry a request ran into', async () => {
  const { session, storage, tokenEndpoint } = await signedInSession(world)
  const data = () => session.fetch(`${world.api.url}/data`)
  const responses: Response[] = [await data(), await data()]

  for (let expiry = 0; expiry < 3; expiry++) {
    await waitForAccessTokenExpiry(storage)
    // The first request meets the expired token and refreshes; the second uses the new one.
    responses.push(await data(), await data())
  }

  expect(statusesOf(responses)).toEqual([200, 200, 200, 200, 200, 200, 200, 200])
  expect(world.api.counts).toEqual({ requests: 11, ok: 8, unauthorized: 3, forbidden: 0 })
  expect(world.as.counts.refreshGrants).toBe(world.api.counts.unauthorized)
  expect(world.as.counts).toMatchObject({ refreshGrants: 3, refreshGrantsSucceeded: 3, refreshGrantsFailed: 0 })
  expect(tokenEndpoint.exchanges.map(({ status }) => status)).toEqual([200, 200, 200])
  expect(session.actor.getSnapshot().context.generation).toBe(4)
})
