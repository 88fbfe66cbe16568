import { afterEach, beforeEach, expect, test } from 'vitest'
import type { BroadcastMessage, LedgerEntry, LedgerStorage } from '../../machines/ports.js'
import { startFakeApi, type FakeApi } from '../support/fake-api.js'
import { memoryBroadcastBus } from '../support/memory-broadcast.js'
import { scopedSession, sharedSlot } from '../support/scoped-sessions.js'
import { settleOf, stateOf, until } from '../support/session-harness.js'

// Issue 9, finding 6: after signOut(), a refresh in flight still published its
// tokens and wrote the ledger, and signOut() revoked the old refresh token, not
// the one the server had just issued.

let api: FakeApi
beforeEach(async () => {
  api = await startFakeApi()
})
afterEach(() => api.close())

function memoryLedger(): LedgerStorage & { entry: LedgerEntry | null } {
  const ledger = {
    entry: null as LedgerEntry | null,
    load: () => ledger.entry,
    save: (entry: LedgerEntry) => void (ledger.entry = entry),
    clear: () => void (ledger.entry = null),
  }
  return ledger
}

test('a refresh in flight at sign-out publishes, stores and adopts nothing; sign-out revokes the token it brought', async () => {
  const bus = memoryBroadcastBus()
  const slot = sharedSlot('app')
  const ledger = memoryLedger()
  const session = scopedSession(api, { storage: slot }, { coordination: { broadcast: bus.join(), ledger } })
  const heard: BroadcastMessage[] = []
  bus.join().subscribe((message) => heard.push(message as BroadcastMessage))
  await session.signIn(api.issue())
  heard.length = 0
  api.expireAccessTokens()
  const release = api.hold()
  const request = settleOf(session.fetch(api.url('/data')))
  await until(() => api.refreshes.length === 1)

  const signingOut = session.signOut()
  release()
  await signingOut

  expect(await request).toMatchObject({ ok: false, error: { name: 'NotSignedInError' } })
  expect(stateOf(session)).toBe('signedOut')
  expect(await slot.load()).toBeNull()
  expect(ledger.entry).toBeNull()
  expect(heard.map((message) => message.type)).toEqual(['session.ended'])
  // rt-1 was presented; the server answered with rt-2, which is the one revoked.
  expect(api.refreshes).toEqual(['rt-1'])
  expect(api.revoked).toEqual(['rt-2'])
})

test('the ledger forgets the grant at sign-out, and never held a token', async () => {
  const bus = memoryBroadcastBus()
  const slot = sharedSlot('app')
  const ledger = memoryLedger()
  const session = scopedSession(api, { storage: slot }, { coordination: { broadcast: bus.join(), ledger } })
  await session.signIn(api.issue())
  api.expireAccessTokens()
  await session.fetch(api.url('/data'))

  const entry = ledger.entry
  expect(Object.keys(entry ?? {}).sort()).toEqual(['fingerprint', 'generation', 'grant', 'scope', 'version'])
  expect(JSON.stringify(entry)).not.toMatch(/\b(at|rt)-\d+\b/)
  expect(entry).toMatchObject({ scope: 'app', generation: 2, grant: session.actor.getSnapshot().context.grant })

  await session.signOut()
  expect(ledger.entry).toBeNull()
})
