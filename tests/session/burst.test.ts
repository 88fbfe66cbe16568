import type { InspectionEvent } from 'xstate'
import { afterEach, beforeEach, expect, test } from 'vitest'
import { createTokenSession } from '../../session/create-token-session.js'
import { startFakeApi, type FakeApi } from '../support/fake-api.js'
import { signedInSession, stateOf, waitForState } from '../support/session-harness.js'

// The request seam: the chart hears the edges of a burst, not every request.

let api: FakeApi
beforeEach(async () => {
  api = await startFakeApi()
})
afterEach(() => api.close())

/** Counts the events the actor received, by type, and the states it passed through. */
function observe() {
  const events: Record<string, number> = {}
  const states: string[] = []
  return {
    events,
    states,
    inspect(inspection: InspectionEvent) {
      if (inspection.type === '@xstate.event') events[inspection.event.type] = (events[inspection.event.type] ?? 0) + 1
      if (inspection.type === '@xstate.snapshot') {
        const value = JSON.stringify((inspection.snapshot as unknown as { value: unknown }).value)
        if (states.at(-1) !== value) states.push(value)
      }
    },
  }
}

test('a hundred back-to-back requests are one burst: one request.sent, one settle, requesting then idle once', async () => {
  const seen = observe()
  const ok = new Response('ok')
  const session = createTokenSession({
    tokenEndpoint: async () => ({ accessToken: 'at-2' }),
    allowedOrigins: ['https://api.example.test'],
    fetch: () => Promise.resolve(ok.clone()),
    inspect: (event) => seen.inspect(event),
  })
  await session.signIn({ accessToken: 'at-1', refreshToken: 'rt-1', expiresIn: 3600 })
  seen.states.length = 0

  for (let i = 0; i < 100; i++) expect((await session.fetch('https://api.example.test/data')).status).toBe(200)
  await waitForState(session, 'active.idle')

  expect(seen.events['request.sent']).toBe(1)
  expect(seen.events['request.settled']).toBe(1)
  expect(seen.states).toEqual(['{"active":"requesting"}', '{"active":"idle"}'])
})

test('concurrent requests with a valid token are one burst too, and the chart drains to nothing on the wire', async () => {
  const seen = observe()
  const session = await signedInSession(api, { inspect: (event) => seen.inspect(event) })

  const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => session.fetch(api.url(`/c/${i}`))))
  await waitForState(session, 'active.idle')

  expect(responses.map((response) => response.status)).toEqual(Array(20).fill(200))
  expect(seen.events['request.sent']).toBe(1)
  expect(seen.events['request.settled']).toBe(1)
  expect(session.actor.getSnapshot().context).toMatchObject({ inFlight: {}, replaying: 0, parked: 0 })
})

test('requests that joined a burst and then got a 401 are counted out exactly: one refresh, the chart drains to zero', async () => {
  const seen = observe()
  const session = await signedInSession(api, { inspect: (event) => seen.inspect(event) })
  // Start a burst, expire the token while it is on the wire, and let the joined requests meet the 401.
  const release = api.holdResources('/held')
  const held = Array.from({ length: 5 }, (_, i) => session.fetch(api.url(`/held/${i}`)))
  await new Promise((resolve) => setTimeout(resolve, 20))
  api.expireAccessTokens()
  release()

  expect((await Promise.all(held)).map((response) => response.status)).toEqual(Array(5).fill(200))
  await waitForState(session, 'active.idle')

  expect(api.refreshes).toEqual(['rt-1'])
  expect(seen.events['token.rejected']).toBe(5)
  expect(session.actor.getSnapshot().context).toMatchObject({ inFlight: {}, replaying: 0, parked: 0 })
})

test('a token known expired at the moment of use never joins a burst: the machine parks the request for the refresh', async () => {
  const seen = observe()
  const session = await signedInSession(api, { inspect: (event) => seen.inspect(event), refresh: { minInterval: 0 } })
  api.expiresIn = 0
  await session.signIn(api.issue())
  const release = api.holdResources('/slow')
  const first = session.fetch(api.url('/slow/1'))
  await new Promise((resolve) => setTimeout(resolve, 10))
  const before = seen.events['request.sent'] ?? 0

  const second = session.fetch(api.url('/fast'))
  release()
  await Promise.all([first, second])

  expect((seen.events['request.sent'] ?? 0) - before).toBe(1)
  expect(stateOf(session)).not.toBe('expired')
})
