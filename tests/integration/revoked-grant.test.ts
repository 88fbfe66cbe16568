import { expect, test } from 'vitest'

import { SessionExpiredError } from '../../index.js'
import { settleOf, stateOf, until } from '../support/session-harness.js'
import { refreshFromOutside, signedInSession, useRealWorld, waitForAccessTokenExpiry } from './real-world.js'

const world = useRealWorld()

const expiredError = { name: 'SessionExpiredError', code: 'SESSION_EXPIRED', cause: { code: 'INVALID_GRANT', status: 400 } }

test('a grant revoked at the server expires the session: storage cleared, one navigation, pending and later requests refused', async () => {
  const { session, storage, tokenEndpoint, navigations, emitted, initialRefreshToken } = await signedInSession(world)
  await world.as.revokeGrantOf(initialRefreshToken)
  await waitForAccessTokenExpiry(storage)
  const release = tokenEndpoint.hold()
  const pending = Array.from({ length: 3 }, () => settleOf(session.fetch(`${world.api.url}/data`)))
  // All three met the expired token and wait on the one refresh.
  await until(() => session.actor.getSnapshot().context.parked === 3)

  release()
  const results = await Promise.all(pending)
  const later = await settleOf(session.fetch(`${world.api.url}/data`))

  for (const result of [...results, later]) {
    expect(result.ok).toBe(false)
    if (!result.ok) {
      expect(result.error).toBeInstanceOf(SessionExpiredError)
      expect(result.error).toMatchObject(expiredError)
    }
  }
  expect(stateOf(session)).toBe('expired')
  expect(storage.clears).toBe(1)
  expect(storage.current()).toBeNull()
  expect(navigations).toEqual([{ reason: 'expired' }])
  expect(emitted).toEqual([{ type: 'expired' }])
  expect(world.as.counts).toMatchObject({ refreshGrants: 1, refreshGrantsSucceeded: 0, refreshGrantsFailed: 1 })
  // The later request was refused without going out.
  expect(world.api.counts).toEqual({ requests: 3, ok: 0, unauthorized: 3, forbidden: 0 })
})

test('an old refresh token reused from outside expires the session at its next refresh', async () => {
  const { session, storage, tokenEndpoint, navigations, emitted, initialRefreshToken } = await signedInSession(world)
  await waitForAccessTokenExpiry(storage)
  expect((await session.fetch(`${world.api.url}/data`)).status).toBe(200)

  expect(await refreshFromOutside(world.as, initialRefreshToken)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } })
  await waitForAccessTokenExpiry(storage)
  const result = await settleOf(session.fetch(`${world.api.url}/data`))

  expect(result.ok ? result.value : result.error).toMatchObject(expiredError)
  expect(stateOf(session)).toBe('expired')
  expect(storage.clears).toBe(1)
  expect(storage.current()).toBeNull()
  expect(navigations).toEqual([{ reason: 'expired' }])
  expect(emitted).toEqual([{ type: 'refreshed', generation: 2 }, { type: 'expired' }])
  expect(tokenEndpoint.exchanges.map(({ status }) => status)).toEqual([200, 400])
  expect(world.as.counts).toMatchObject({ refreshGrants: 3, refreshGrantsSucceeded: 1, refreshGrantsFailed: 2 })
  expect(world.api.counts).toEqual({ requests: 3, ok: 1, unauthorized: 2, forbidden: 0 })
})
