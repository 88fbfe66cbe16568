import { afterEach, beforeEach, expect, test } from 'vitest'
import { MAX_GENERATION } from '../../machines/records.js'
import type { SessionWarning } from '../../session/warnings.js'
import { startFakeApi, type FakeApi } from '../support/fake-api.js'
import { memoryBroadcastBus } from '../support/memory-broadcast.js'
import { familiesSeen, scopedSession, sharedSlot } from '../support/scoped-sessions.js'
import { stateOf, until } from '../support/session-harness.js'

// Issue 9, finding 5: broadcast records skipped the checks stored records get.
// A forged generation pinned the session; a token with a space went out as a header.

let api: FakeApi
beforeEach(async () => {
  api = await startFakeApi()
})
afterEach(() => api.close())

async function listening() {
  const bus = memoryBroadcastBus()
  const slot = sharedSlot('app')
  const session = scopedSession(api, { storage: slot, broadcast: bus.join() })
  const warnings: SessionWarning['code'][] = []
  session.on('warning', (warning) => warnings.push(warning.code))
  const tokens = api.issue()
  await session.signIn(tokens)
  const grant = session.actor.getSnapshot().context.grant as string
  return { session, forger: bus.join(), slot, grant, warnings, family: api.familyOf(tokens.access_token) }
}

const record = (grant: string, generation: number, accessToken: string) => ({
  version: 2 as const,
  scope: 'app',
  grant,
  generation,
  accessToken,
  refreshToken: `${accessToken}-refresh`,
  expiresAt: null,
})

test.each([
  ['a generation no counter reaches', MAX_GENERATION + 1],
  ['Number.MAX_SAFE_INTEGER', Number.MAX_SAFE_INTEGER],
  ['a fractional generation', 2.5],
  ['generation 0', 0],
])('a record with %s is dropped with a warning, and later real records still count', async (_, generation) => {
  const { session, forger, grant, warnings } = await listening()

  await forger.publish({
    type: 'tokens.changed',
    scope: 'app',
    grant,
    generation,
    tokens: record(grant, generation, 'forged'),
  } as never)
  await new Promise((resolve) => setTimeout(resolve, 5))
  expect(session.actor.getSnapshot().context.generation).toBe(1)
  expect(warnings).toEqual(['BROADCAST_DISCARDED'])

  // A real refresh by a sibling, heard next, is adopted.
  await forger.publish({ type: 'tokens.changed', scope: 'app', grant, generation: 2, tokens: record(grant, 2, 'at-sibling') })
  await until(() => session.actor.getSnapshot().context.generation === 2)
})

test('a record whose access token could not be sent as a header is dropped, never sent', async () => {
  const { session, forger, grant, warnings, family } = await listening()

  await forger.publish({
    type: 'tokens.changed',
    scope: 'app',
    grant,
    generation: 2,
    tokens: record(grant, 2, 'at evil\r\nX-Injected: 1'),
  })
  await new Promise((resolve) => setTimeout(resolve, 5))
  expect((await session.fetch(api.url('/data'))).status).toBe(200)

  expect(warnings).toEqual(['BROADCAST_DISCARDED'])
  expect(familiesSeen(api, '/data')).toEqual([family])
})

test('a message whose record disagrees with it on grant or generation is dropped', async () => {
  const { session, forger, grant, warnings } = await listening()

  await forger.publish({ type: 'tokens.changed', scope: 'app', grant, generation: 3, tokens: record(grant, 2, 'at-x') })
  await forger.publish({
    type: 'tokens.changed',
    scope: 'app',
    grant,
    generation: 2,
    tokens: record('another-grant-0000001', 2, 'at-y'),
  })
  await new Promise((resolve) => setTimeout(resolve, 5))

  expect(warnings).toEqual(['BROADCAST_DISCARDED', 'BROADCAST_DISCARDED'])
  expect(session.actor.getSnapshot().context.generation).toBe(1)
})

test('a stale record of the grant, or a refresh of another grant, is ignored', async () => {
  const { session, forger, grant, warnings } = await listening()

  await forger.publish({ type: 'tokens.changed', scope: 'app', grant, generation: 1, tokens: record(grant, 1, 'at-old') })
  await forger.publish({
    type: 'tokens.changed',
    scope: 'app',
    grant: 'a-grant-long-replaced',
    generation: 9,
    tokens: record('a-grant-long-replaced', 9, 'at-other'),
  })
  await new Promise((resolve) => setTimeout(resolve, 5))

  expect(warnings).toEqual([])
  expect(session.actor.getSnapshot().context).toMatchObject({ grant, generation: 1 })
  expect(stateOf(session)).toMatch(/^active/)
})

test("another grant's sign-out or expiry does not end this one", async () => {
  const { session, forger } = await listening()

  await forger.publish({ type: 'session.ended', scope: 'app', grant: 'a-grant-long-replaced', reason: 'signedOut' })
  await forger.publish({ type: 'session.ended', scope: 'app', grant: 'a-grant-long-replaced', reason: 'expired' })
  await new Promise((resolve) => setTimeout(resolve, 5))

  expect(stateOf(session)).toMatch(/^active/)
})

test('after a forged record, the next sign-in is stored and restored like any other', async () => {
  const { session, forger, slot, grant } = await listening()
  await forger.publish({
    type: 'tokens.changed',
    scope: 'app',
    grant,
    generation: Number.MAX_SAFE_INTEGER,
    tokens: record(grant, 1, 'x'),
  })

  await session.signIn(api.issue())
  const reloaded = scopedSession(api, { storage: slot })
  await until(() => stateOf(reloaded).startsWith('active'))

  expect(reloaded.actor.getSnapshot().context.grant).toBe(session.actor.getSnapshot().context.grant)
  expect(reloaded.actor.getSnapshot().context.generation).toBe(1)
})
