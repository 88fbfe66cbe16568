import { expect, test } from 'vitest'

import { signedInSession, useRealWorld, waitForAccessTokenExpiry } from './real-world.js'

const world = useRealWorld()

test('a string body is sent whole again after a refresh', async () => {
  const { session, storage } = await signedInSession(world)
  await waitForAccessTokenExpiry(storage)

  const response = await session.fetch(`${world.api.url}/echo`, { method: 'POST', body: 'hello=world&n=1' })

  expect(response.status).toBe(200)
  expect(await response.text()).toBe('hello=world&n=1')
  expect(world.api.counts).toEqual({ requests: 2, ok: 1, unauthorized: 1, forbidden: 0 })
  expect(world.as.counts).toMatchObject({ refreshGrants: 1, refreshGrantsSucceeded: 1 })
})
