import { expect, test } from 'vitest'

import { signedInSession, useRealWorld, waitForAccessTokenExpiry } from './real-world.js'

const world = useRealWorld()

test('no Authorization header reaches an origin off the allowlist, directly or through a redirect', async () => {
  const { session, storage } = await signedInSession(world)
  const { api, foreign } = world
  const away = (from: string) => `${api.url}/redirect-away?to=${encodeURIComponent(`${foreign.url}/landing?from=${from}`)}`

  const direct = await session.fetch(`${foreign.url}/direct`)
  const posted = await session.fetch(new URL(`${foreign.url}/posted`), { method: 'POST', body: 'x' })
  const request = await session.fetch(new Request(`${foreign.url}/request`))
  const redirected = await session.fetch(away('api'))
  await waitForAccessTokenExpiry(storage)
  // The first send is a 401; the replay, with the refreshed token, is redirected.
  const redirectedAfterRefresh = await session.fetch(away('replay'))

  for (const response of [direct, posted, request, redirected, redirectedAfterRefresh]) {
    expect(response.status).toBe(200)
    expect(await response.text()).toBe('ok')
  }
  expect(foreign.seen).toEqual([
    { path: '/direct', authorization: undefined },
    { path: '/posted', authorization: undefined },
    { path: '/request', authorization: undefined },
    { path: '/landing?from=api', authorization: undefined },
    { path: '/landing?from=replay', authorization: undefined },
  ])
  // The API itself did receive valid tokens: 302s count as ok.
  expect(api.counts).toEqual({ requests: 3, ok: 2, unauthorized: 1, forbidden: 0 })
  expect(world.as.counts).toMatchObject({ refreshGrants: 1, refreshGrantsSucceeded: 1 })
})
