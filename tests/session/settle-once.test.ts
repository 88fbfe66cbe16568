import { afterEach, beforeEach, expect, test } from 'vitest'
import { startFakeApi, type FakeApi } from '../support/fake-api.js'
import { signedInSession, waitForState } from '../support/session-harness.js'

let api: FakeApi
beforeEach(async () => {
  api = await startFakeApi()
})
afterEach(() => api.close())

/** A small deterministic PRNG, so a failure can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31
    return seed / 2 ** 31
  }
}

test.each([1, 2, 3])(
  'under random expiries, failures and aborts, every request settles once and is sent at most twice (seed %i)',
  async (seed) => {
    const next = random(seed)
    const session = await signedInSession(api)
    const outcomes = new Map<number, string>()
    const pending: Promise<void>[] = []

    for (let i = 0; i < 150; i++) {
      const roll = next()
      if (roll < 0.08) api.expireAccessTokens()
      api.mode = roll > 0.97 ? 'server_error' : 'ok'
      const controller = new AbortController()
      const path = next() < 0.1 ? `/forbidden/${i}` : `/data/${i}`
      const call = session.fetch(api.url(path), { signal: controller.signal, method: 'POST', body: `req ${i}` }).then(
        (response) => {
          expect(outcomes.has(i)).toBe(false)
          outcomes.set(i, String(response.status))
        },
        (error: { name: string }) => {
          expect(outcomes.has(i)).toBe(false)
          outcomes.set(i, error.name)
        },
      )
      pending.push(call)
      if (next() < 0.1) setTimeout(() => controller.abort(), Math.floor(next() * 5))
      if (next() < 0.3) await new Promise((resolve) => setTimeout(resolve, 1))
    }
    await Promise.all(pending)

    expect(outcomes.size).toBe(150)
    for (let i = 0; i < 150; i++) {
      const sends = api.seen.filter((r) => r.body === `req ${i}`)
      expect(sends.length).toBeLessThanOrEqual(2)
      // A second send only ever follows a first one that came back 401.
      if (sends.length === 2) expect(sends[0]?.authorization).not.toBe(sends[1]?.authorization)
    }
    // The machine's bookkeeping drains back to zero: nothing is left parked or counted in flight.
    // idle once the burst is over: the chart settles a turn of the event loop after the last request
    await waitForState(session, 'active.idle')
    expect(session.actor.getSnapshot().context).toMatchObject({ inFlight: {}, parked: 0, replaying: 0 })
  },
)
