import { fileURLToPath } from 'node:url'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest'
import type * as Library from '../../index.js'
import { startBrowserSessionOrigin, type BrowserSessionOrigin } from '../support/browser-session-origin.js'
import { CHROMIUM } from '../support/chromium.js'
import { ensureSystemProgram } from '../support/redis-server.js'

// What each page holds. Functions passed to `page.evaluate` run there, not here.
declare const trm: typeof Library
declare const session: Library.TokenSession

const KEY = 'app:session'
const CYCLES = 20

let browser: Browser
let context: BrowserContext
let server: BrowserSessionOrigin
let tabs: Page[]

beforeAll(async () => {
  await ensureSystemProgram('chromium', 'chromium')
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  })
}, 300_000) // may install chromium first
afterAll(() => browser?.close())

// IndexedDB is coherent across tabs. localStorage is cached per renderer: at a
// lock hand-off the next holder can read the old record, and the broadcast
// carrying the new one may land after it has presented the rotated-away token
// (measured before the ledger existed: a reuse in about 1 cycle of 100-200).
// With a lock of its own in a browser, the session therefore confirms the
// latest generation in an IndexedDB ledger under the lock; both must hold.
describe.each(['indexedDb', 'localStorage'] as const)('tokens in %s', (kind) => {
  beforeEach(async () => {
    // A fresh origin (new port) per test: its own IndexedDB, grant and counts.
    server = await startBrowserSessionOrigin(fileURLToPath(new URL('../../index.ts', import.meta.url)))
    context = await browser.newContext()
    tabs = []
    for (let i = 0; i < 3; i++) {
      const tab = await context.newPage()
      await tab.goto(server.url('/'))
      await tab.waitForFunction(() => 'trm' in globalThis)
      tabs.push(tab)
    }
    // Tab 1 signs in; tabs 2 and 3 restore what it stored, as reloaded tabs would.
    for (const [index, tab] of tabs.entries()) {
      await tab.evaluate(
        async ({ key, signIn, kind }) => {
          const session = trm.createTokenSession({
            tokenEndpoint: trm.oauth2TokenEndpoint({ url: new URL('/token', location.href).href, clientId: 'spa' }),
            storage: kind === 'indexedDb' ? trm.indexedDbStorage({ name: key }) : trm.webStorage(localStorage, { key }),
            coordination: { lock: trm.webLocks(), broadcast: trm.broadcastChannel() },
            allowedOrigins: [location.origin],
            refresh: { proactive: false },
          })
          Object.assign(globalThis, { session })
          if (signIn) await session.signIn((await (await fetch('/issue', { method: 'POST' })).json()) as Record<string, unknown>)
        },
        { key: KEY, signIn: index === 0, kind },
      )
      await tab.waitForFunction(() => session.actor.getSnapshot().matches('active'))
    }
  })
  afterEach(async () => {
    await context?.close()
    await server?.close()
  })

  /** Fires `count` concurrent requests to `/data` in `tab`; each settles to its status or its error's name. */
  function burst(tab: Page, count: number): Promise<Array<number | string>> {
    return tab.evaluate(
      (count) =>
        Promise.all(
          Array.from({ length: count }, () =>
            session.fetch('/data').then(
              (response) => response.status,
              (error: unknown) => (error as Error).name,
            ),
          ),
        ),
      count,
    )
  }

  test('an expiry seen by three tabs at once makes one refresh, cycle after cycle, never a reuse', async () => {
    const cycles: Array<{ statuses: Record<string, number>; refreshes: number; reuses: number; revocations: number }> = []
    // The localStorage trap bit about one cycle in twenty with the lock alone: twenty cycles give any incoherence a chance.
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      const before = { ...server.counts }
      server.expireAccessTokens()
      const statuses = (await Promise.all(tabs.map((tab) => burst(tab, 10)))).flat()
      cycles.push({
        statuses: statuses.reduce<Record<string, number>>(
          (tally, status) => ({ ...tally, [status]: (tally[status] ?? 0) + 1 }),
          {},
        ),
        refreshes: server.counts.refreshes - before.refreshes,
        reuses: server.counts.reuses - before.reuses,
        revocations: server.counts.revocations - before.revocations,
      })
    }

    // Every cycle: 30 answers of 200, one refresh grant, no reuse, the grant alive.
    expect(cycles).toEqual(
      Array.from({ length: CYCLES }, () => ({ statuses: { 200: 30 }, refreshes: 1, reuses: 0, revocations: 0 })),
    )
    // The grant is still alive: one more expiry costs one more refresh, and the request goes through.
    server.expireAccessTokens()
    expect(await burst(tabs[1]!, 1)).toEqual([200])
    expect(server.counts).toEqual({ refreshes: CYCLES + 1, reuses: 0, revocations: 0, refused: 0, abandoned: 0 })
  })

  test('signing out in one tab signs out the others, whose requests then fail without being sent', async () => {
    const [first, ...others] = tabs as [Page, Page, Page]
    await first.evaluate(() => session.signOut())

    for (const tab of others) await tab.waitForFunction(() => session.actor.getSnapshot().matches('signedOut'))
    const sent = server.resourceRequests
    for (const tab of tabs) expect(await burst(tab, 1)).toEqual(['NotSignedInError'])
    expect(server.resourceRequests).toBe(sent)
    expect(
      await first.evaluate(
        ({ key, kind }) => (kind === 'indexedDb' ? trm.indexedDbStorage({ name: key }).load() : localStorage.getItem(key)),
        { key: KEY, kind },
      ),
    ).toBeNull()
    expect(server.counts).toEqual({ refreshes: 0, reuses: 0, revocations: 0, refused: 0, abandoned: 0 })
  })

  test('user A signs out in tab 1, user B signs in in tab 2: every tab ends on B, and no A token is sent or kept', async () => {
    const [first, second, third] = tabs as [Page, Page, Page]
    await first.evaluate(() => session.signOut())
    for (const tab of tabs) await tab.waitForFunction(() => session.actor.getSnapshot().matches('signedOut'))

    await second.evaluate(async () =>
      session.signIn((await (await fetch('/issue', { method: 'POST' })).json()) as Record<string, unknown>),
    )
    const grantB = await second.evaluate(() => session.actor.getSnapshot().context.grant)
    for (const tab of [first, third]) {
      await tab.waitForFunction((grant) => session.actor.getSnapshot().context.grant === grant, grantB)
    }
    const sentBefore = server.grantsSeen.length
    for (let expiry = 0; expiry < 2; expiry++) {
      server.expireAccessTokens()
      const statuses = (await Promise.all(tabs.map((tab) => burst(tab, 5)))).flat()
      expect(statuses).toEqual(Array(15).fill(200))
    }

    // Grant 1 was A's, grant 2 is B's: after the sign-in, only B's tokens reached the API.
    expect(new Set(server.grantsSeen.slice(sentBefore))).toEqual(new Set([2]))
    expect(server.counts).toMatchObject({ refreshes: 2, reuses: 0, revocations: 0 })
    // Nothing of A is kept anywhere the origin can read: not in IndexedDB (storage or ledger), not in localStorage.
    const kept = await first.evaluate(async () => {
      const values: unknown[] = []
      for (const { name } of await indexedDB.databases()) {
        if (name === undefined) continue
        const db = await new Promise<IDBDatabase>((resolve, reject) => {
          const request = indexedDB.open(name)
          request.onsuccess = () => resolve(request.result)
          request.onerror = () => reject(request.error ?? new Error('open failed'))
        })
        for (const store of Array.from(db.objectStoreNames)) {
          const all = db.transaction(store).objectStore(store).getAll()
          values.push(await new Promise((resolve) => (all.onsuccess = () => resolve(all.result))))
        }
        db.close()
      }
      for (let i = 0; i < localStorage.length; i++) values.push(localStorage.getItem(localStorage.key(i) ?? ''))
      return JSON.stringify(values)
    })
    for (const token of server.tokensOf(1)) expect(kept).not.toContain(`"${token}"`)
    expect(kept).toContain(grantB)
  })

  test('a tab closed while it holds the refresh lock hands the refresh to a waiting tab', async () => {
    const [closing, waiting] = tabs as [Page, Page]
    const held = server.holdNextRefresh()
    server.expireAccessTokens()

    // Tab 1 takes the lock and sends its refresh grant, which the server holds unanswered.
    void burst(closing, 1).catch(() => undefined) // rejects when the tab closes
    await held.arrived
    // Tab 2 needs a refresh too, and waits for the lock.
    const answer = burst(waiting, 1)
    await waiting.waitForFunction(
      async (name) => ((await navigator.locks.query()).pending ?? []).some((lock) => lock.name === name),
      `token-refresh-machine:refresh:${kind === 'indexedDb' ? 'indexedDB' : 'localStorage'}:${KEY}`,
    )
    await closing.close({ runBeforeUnload: false })

    // The closed tab's lock went with it: tab 2 refreshes with the refresh token tab 1 never got to rotate.
    expect(await answer).toEqual([200])
    await expect.poll(() => server.counts.abandoned).toBe(1)
    expect(server.counts).toEqual({ refreshes: 1, reuses: 0, revocations: 0, refused: 0, abandoned: 1 })
    held.release()
  })
})
