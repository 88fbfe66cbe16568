import { fileURLToPath } from 'node:url'
import type { Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, beforeEach, expect, test } from 'vitest'
import type * as BroadcastChannelAdapter from '../../adapters/broadcast-channel.js'
import type * as IndexedDbAdapter from '../../adapters/indexed-db-storage.js'
import type * as WebLocksAdapter from '../../adapters/web-locks.js'
import type { Broadcast, StoredTokens } from '../../machines/ports.js'
import { startBrowserHarness, type BrowserHarness } from '../support/chromium.js'

// What the bundle puts on each page. Functions passed to `page.evaluate` run there, not here.
declare const trm: typeof WebLocksAdapter & typeof BroadcastChannelAdapter & typeof IndexedDbAdapter
declare const inbox: unknown[]
declare const heard: Promise<unknown>
declare const broadcast: Broadcast

const scope = 'test-scope'
const grant = 'test-grant-0000000001'
const adapter = (name: string) => fileURLToPath(new URL(`../../adapters/${name}.ts`, import.meta.url))
let harness: BrowserHarness
let tabs: Page[]
beforeAll(async () => {
  harness = await startBrowserHarness({ modules: ['web-locks', 'broadcast-channel', 'indexed-db-storage'].map(adapter) })
}, 300_000) // may install chromium first
afterAll(() => harness?.close())

beforeEach(async () => {
  tabs = await Promise.all([harness.newTab(), harness.newTab(), harness.newTab()])
})
afterEach(() => Promise.all(tabs.map((tab) => tab.close())))

/** Resolves once some tab holds `name` (as the Web Locks API reports it), or has asked for it. */
async function untilLock(page: Page, name: string, state: 'held' | 'pending'): Promise<void> {
  await page.waitForFunction(
    async ([name, state]) => ((await navigator.locks.query())[state] ?? []).some((lock) => lock.name === name),
    [`token-refresh-machine:${name}`, state] as const,
  )
}

/** Has `holder` take the lock and never let go; resolves once `observer` sees it held. */
async function holdForever(holder: Page, observer: Page): Promise<void> {
  // Rejects when the tab closes, which some tests do on purpose.
  holder
    .evaluate(() =>
      trm.webLocks().withLock(
        'refresh',
        () => {
          Object.assign(globalThis, { holdingForever: true })
          return new Promise(() => {})
        },
        { timeout: 10_000 },
      ),
    )
    .catch(() => {})
  // The holder itself must hold it: under load, another tab's leftover could be what `held` reports.
  await holder.waitForFunction(() => 'holdingForever' in globalThis)
  await untilLock(observer, 'refresh', 'held')
}

test('Web Locks let one tab at a time run, across three tabs', async () => {
  const intervals = await Promise.all(
    tabs.map((tab) =>
      tab.evaluate(async () => {
        const lock = trm.webLocks()
        const held: Array<[number, number]> = []
        for (let round = 0; round < 15; round++) {
          await lock.withLock(
            'refresh',
            async () => {
              const enter = performance.timeOrigin + performance.now()
              await new Promise((resolve) => setTimeout(resolve, 2))
              held.push([enter, performance.timeOrigin + performance.now()])
            },
            { timeout: 10_000 },
          )
        }
        return held
      }),
    ),
  )

  const all = intervals.flat().sort(([a], [b]) => a - b)
  expect(all).toHaveLength(45)
  // Each hold starts after the previous one ended. Separate renderers' clocks are coarsened and may
  // disagree by a fraction of a millisecond; a real overlap would be a whole 2 ms hold.
  for (let i = 1; i < all.length; i++) expect(all[i]![0]).toBeGreaterThanOrEqual(all[i - 1]![1] - 1)
})

test('a tab closed while holding the lock releases it to a waiting tab', async () => {
  const [holder, waiter] = tabs as [Page, Page]
  await holdForever(holder, waiter)

  const acquired = waiter.evaluate(() => trm.webLocks().withLock('refresh', async () => 'acquired', { timeout: 10_000 }))
  await untilLock(waiter, 'refresh', 'pending')
  const closedAt = Date.now()
  await holder.close({ runBeforeUnload: false })

  expect(await acquired).toBe('acquired')
  expect(Date.now() - closedAt).toBeLessThan(2_000)
})

test('a tab that cannot get the lock in time gets LockTimeoutError, and its task never runs', async () => {
  const [holder, waiter] = tabs as [Page, Page]
  await holdForever(holder, waiter)

  const outcomes = await waiter.evaluate(async () => {
    const lock = trm.webLocks()
    let ran = false
    const attempt = async (timeout: number) => {
      const started = performance.now()
      try {
        await lock.withLock('refresh', async () => void (ran = true), { timeout })
        return { error: 'none', waited: 0 }
      } catch (error) {
        const { name, code } = error as { name: string; code: string }
        return { error: `${name}:${code}`, waited: Math.round(performance.now() - started) }
      }
    }
    return { bounded: await attempt(200), immediate: await attempt(0), ran }
  })

  expect(outcomes.bounded.error).toBe('LockTimeoutError:LOCK_TIMEOUT')
  expect(outcomes.bounded.waited).toBeGreaterThanOrEqual(195)
  expect(outcomes.bounded.waited).toBeLessThan(1_000)
  expect(outcomes.immediate.error).toBe('LockTimeoutError:LOCK_TIMEOUT')
  expect(outcomes.ran).toBe(false)
  // The timed-out requests left the queue: nothing is pending behind the holder.
  expect(await waiter.evaluate(async () => (await navigator.locks.query()).pending?.length)).toBe(0)
})

/** Gives every tab a `broadcast` on `options`' channel, whose messages land in the tab's `inbox`. */
async function listenInEveryTab(options: BroadcastChannelAdapter.BroadcastChannelOptions): Promise<void> {
  for (const tab of tabs) {
    await tab.evaluate((options) => {
      const broadcast = trm.broadcastChannel(options)
      Object.assign(globalThis, { inbox: [], broadcast })
      broadcast.subscribe((message) => inbox.push(message))
    }, options)
  }
}

test('BroadcastChannel messages reach the other tabs, tokens included, and not the sender', async () => {
  const [sender, ...others] = tabs as [Page, Page, Page]
  await listenInEveryTab({ name: 'test' })
  const tokens: StoredTokens = {
    version: 2,
    scope,
    grant,
    accessToken: 'at-2',
    refreshToken: 'rt-2',
    expiresAt: null,
    generation: 2,
  }

  await sender.evaluate((tokens) => {
    // Another broadcast in the sender's tab (another session, say), made after the sender: it hears the message in
    // the same sequence of tasks, after the sender's own channel would have, so an empty inbox then is conclusive.
    const sibling = trm.broadcastChannel({ name: 'test' })
    Object.assign(globalThis, { heard: new Promise((resolve) => sibling.subscribe(resolve)) })
    return broadcast.publish({ type: 'tokens.changed', scope: tokens.scope, grant: tokens.grant, generation: 2, tokens })
  }, tokens)

  const message = { type: 'tokens.changed', scope, grant, generation: 2, tokens }
  expect(await sender.evaluate(() => heard)).toEqual(message)
  expect(await sender.evaluate(() => inbox)).toEqual([])
  for (const tab of others) {
    await tab.waitForFunction(() => inbox.length > 0)
    expect(await tab.evaluate(() => inbox)).toEqual([message])
  }
})

test('whatever another script posts on the channel arrives as posted: validating it is the job of the session', async () => {
  await listenInEveryTab({ name: 'test' })

  await tabs[2]!.evaluate(() => {
    // Another script of the origin, posting on the same channel without the adapter.
    const raw = new BroadcastChannel('test')
    for (const message of ['garbage', null, { type: 'tokens.changed', generation: 1.5 }]) raw.postMessage(message)
    raw.close()
  })

  for (const tab of tabs.slice(0, 2)) {
    await tab.waitForFunction(() => inbox.length === 3)
    expect(await tab.evaluate(() => inbox)).toEqual(['garbage', null, { type: 'tokens.changed', generation: 1.5 }])
  }
})

test('without BroadcastChannel, storage events carry the message to the other tabs, without the tokens', async () => {
  const [sender, ...others] = tabs as [Page, Page, Page]
  await listenInEveryTab({ name: 'fallback', BroadcastChannel: null })

  await sender.evaluate(
    ([scope, grant]) =>
      broadcast.publish({
        type: 'tokens.changed',
        scope,
        grant,
        generation: 4,
        tokens: { version: 2, scope, grant, accessToken: 'at-4', expiresAt: null, generation: 4 },
      }),
    [scope, grant] as const,
  )
  for (const tab of others) await tab.waitForFunction(() => inbox.length > 0)
  // A reply proves the round trip; the sender never hears its own (storage events skip the writing document).
  await others[0].evaluate(([scope, grant]) => broadcast.publish({ type: 'session.ended', scope, grant, reason: 'signedOut' }), [
    scope,
    grant,
  ] as const)
  await sender.waitForFunction(() => inbox.length > 0)

  expect(await sender.evaluate(() => inbox)).toEqual([{ type: 'session.ended', scope, grant, reason: 'signedOut' }])
  for (const tab of others)
    expect((await tab.evaluate(() => inbox))[0]).toEqual({ type: 'tokens.changed', scope, grant, generation: 4 })
  expect(await sender.evaluate(() => localStorage.length)).toBe(0) // written and removed at once
})

test('IndexedDB storage saved by one tab is what the next lock holder, in another tab, loads', async () => {
  await tabs[0]!.evaluate(
    ([scope, grant]) =>
      trm
        .indexedDbStorage({ name: 'handoff' })
        .save({ version: 2, scope, grant, accessToken: 'at-0', expiresAt: null, generation: 1 }),
    [scope, grant] as const,
  )

  // Each holder reads the generation and saves the next, then hands the lock over: a stale read would repeat one.
  const seen = await Promise.all(
    tabs.map((tab) =>
      tab.evaluate(async () => {
        const lock = trm.webLocks()
        const storage = trm.indexedDbStorage({ name: 'handoff' })
        const generations: number[] = []
        for (let round = 0; round < 10; round++) {
          await lock.withLock(
            'refresh',
            async () => {
              const { generation, scope, grant } = (await storage.load()) as StoredTokens
              generations.push(generation)
              await storage.save({
                version: 2,
                scope,
                grant,
                accessToken: `at-${generation + 1}`,
                expiresAt: null,
                generation: generation + 1,
              })
            },
            { timeout: 10_000 },
          )
        }
        return generations
      }),
    ),
  )

  expect(seen.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1))
  expect(await tabs[1]!.evaluate(() => trm.indexedDbStorage({ name: 'handoff' }).load())).toEqual({
    version: 2,
    scope,
    grant,
    accessToken: 'at-31',
    expiresAt: null,
    generation: 31,
  })
})
