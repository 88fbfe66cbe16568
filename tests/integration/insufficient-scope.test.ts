import { expect, test } from 'vitest'

import { waitForState } from '../support/session-harness.js'
import { signedInSession, useRealWorld } from './real-world.js'

const world = useRealWorld()

// RFC 6750 §3.1: insufficient_scope is the token's rights, not its validity; a new token would not help.
test('a 403 insufficient_scope reaches the caller without a refresh', async () => {
  const { session, storage, tokenEndpoint } = await signedInSession(world)

  const response = await session.fetch(`${world.api.url}/admin`)

  expect(response.status).toBe(403)
  expect(response.headers.get('www-authenticate')).toBe('Bearer realm="api", error="insufficient_scope", scope="api:admin"')
  expect(world.as.counts.refreshGrants).toBe(0)
  expect(tokenEndpoint.exchanges).toEqual([])
  expect(world.api.counts).toEqual({ requests: 1, ok: 0, unauthorized: 0, forbidden: 1 })
  // idle once the burst is over: the chart settles a turn of the event loop after the last request
  await waitForState(session, 'active.idle')
  expect(storage.saved).toHaveLength(1)
})
