import { afterEach, beforeEach, expect, test } from 'vitest'
import { inProcessLock } from '../../adapters/in-process-lock.js'
import { webLocks } from '../../adapters/web-locks.js'
import { memoryStorage } from '../../adapters/memory-storage.js'
import type { LedgerEntry, LedgerStorage } from '../../machines/ports.js'
import { startFakeApi, type FakeApi } from '../support/fake-api.js'
import { familiesSeen, scopedSession, sharedSlot } from '../support/scoped-sessions.js'

// Issue 9, finding 2: with a lock of one's own in a browser, the IndexedDB
// ledger kept the full record, refresh token included, under one origin-wide
// name, even when the token storage was memory or sessionStorage; a later
// sign-in started again at generation 1 and adopted the old user's record.

let api: FakeApi
beforeEach(async () => {
  api = await startFakeApi()
})
afterEach(() => api.close())

function memoryLedger(initial: LedgerEntry | null = null): LedgerStorage & { entry: LedgerEntry | null } {
  const ledger = {
    entry: initial,
    load: () => ledger.entry,
    save: (entry: LedgerEntry) => void (ledger.entry = entry),
    clear: () => void (ledger.entry = null),
  }
  return ledger
}

/** Pretends this realm has IndexedDB, recording which databases the session opens. */
function fakeIndexedDb(): { opened: string[]; restore(): void } {
  const opened: string[] = []
  const previous = (globalThis as { indexedDB?: unknown }).indexedDB
  ;(globalThis as { indexedDB?: unknown }).indexedDB = {
    open: (name: string) => {
      opened.push(name)
      return { onupgradeneeded: null, onsuccess: null, onerror: null }
    },
  }
  return { opened, restore: () => void ((globalThis as { indexedDB?: unknown }).indexedDB = previous) }
}

/** Web Locks as a browser tab has them, granting at once: enough for one tab. */
const browserLock = () =>
  webLocks({
    locks: {
      request: (_name: string, _options: unknown, grant: (lock: unknown) => unknown) => grant({}),
    } as unknown as LockManager,
  })

test('a storage private to its realm gets no ledger: nothing persists beyond what the chosen storage persists', async () => {
  const idb = fakeIndexedDb()
  try {
    const session = scopedSession(api, { storage: memoryStorage(), lock: browserLock() })
    await session.signIn(api.issue())
    api.expireAccessTokens()
    await session.fetch(api.url('/data'))
    expect(idb.opened).toEqual([])
  } finally {
    idb.restore()
  }
})

test('web locks bring a ledger, named by the scope, for a storage the tabs share; other locks bring none', async () => {
  const idb = fakeIndexedDb()
  try {
    scopedSession(api, { storage: sharedSlot('localStorage:other'), lock: inProcessLock() })
    const session = scopedSession(
      api,
      { storage: sharedSlot('localStorage:app'), lock: browserLock() },
      { refresh: { timeout: 50 } },
    )
    await session.signIn(api.issue())
    expect(idb.opened).toEqual(['token-refresh-machine:ledger:localStorage:app'])
  } finally {
    idb.restore()
  }
})

test("a ledger left pointing at another user's grant never makes the next user adopt it", async () => {
  // Alice's entry outlived her (its clear failed, say); Bob signs in on the same slot.
  const ledger = memoryLedger({ version: 2, scope: 'app', grant: 'alice-grant-000000001', generation: 5, fingerprint: 'f' })
  const failingLedger: LedgerStorage = { ...ledger, save: () => Promise.reject(new Error('quota')) }
  const slot = sharedSlot('app')
  const bob = scopedSession(api, { storage: slot }, { coordination: { ledger: failingLedger } })
  const bobTokens = api.issue()
  await bob.signIn(bobTokens)
  api.expireAccessTokens()

  expect((await bob.fetch(api.url('/bob'))).status).toBe(200)

  expect(new Set(familiesSeen(api, '/bob'))).toEqual(new Set([api.familyOf(bobTokens.access_token)]))
  expect(api.refreshes).toEqual([bobTokens.refresh_token])
})

test('a ledger ahead of storage is waited for a moment under the lock, then storage decides', async () => {
  const ledger = memoryLedger()
  const slot = sharedSlot('app')
  const bob = scopedSession(api, { storage: slot }, { coordination: { ledger } })
  const bobTokens = api.issue()
  await bob.signIn(bobTokens)
  // Another tab wrote Alice's entry, but its storage write never landed: nothing confirms it.
  ledger.entry = { version: 2, scope: 'app', grant: 'alice-grant-000000001', generation: 5, fingerprint: 'f' }
  api.expireAccessTokens()

  const started = performance.now()
  expect((await bob.fetch(api.url('/bob'))).status).toBe(200)

  expect(performance.now() - started).toBeGreaterThanOrEqual(900)
  expect(api.refreshes).toEqual([bobTokens.refresh_token])
  // The refresh repaired the ledger.
  expect(ledger.entry).toMatchObject({ grant: bob.actor.getSnapshot().context.grant, generation: 2 })
})
