import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { afterAll, beforeAll, expect, test } from 'vitest'
import type { ExampleProbe } from '../../examples/frameworks/shared/example-contract.js'
import { startAuthorizationServer, startResourceServer, type AuthorizationServer, type ResourceServer } from '../servers/index.js'
import { buildExample, type ExampleName } from '../support/build-example.js'
import { CHROMIUM, CHROMIUM_ARGS } from '../support/chromium.js'
import { startExampleHost, type ExampleHost } from '../support/example-host.js'
import { ensureSystemProgram } from '../support/redis-server.js'

declare const exampleProbe: ExampleProbe
declare const statusWrites: string[]

const EXPIRIES = 3
/** Written into docs/ only when asked (`SCREENSHOTS=1 npm test`), so a test run leaves the tree as it was. */
const SCREENSHOT_DIR =
  process.env['SCREENSHOTS'] === '1' ? fileURLToPath(new URL('../../docs/frameworks/', import.meta.url)) : undefined

/** A tab of the example, with every console error and uncaught exception it has had. */
interface ExampleTab {
  page: Page
  errors: string[]
}

async function openTab(context: BrowserContext, url: string): Promise<ExampleTab> {
  const page = await context.newPage()
  const errors: string[] = []
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text())
  })
  page.on('pageerror', (error) => errors.push(error.message))
  await page.goto(url)
  // Every DOM write to the status element, as the page shows it.
  await page.waitForSelector('[data-testid=status]')
  await page.evaluate(() => {
    const element = document.querySelector('[data-testid=status]')!
    const writes: string[] = []
    new MutationObserver(() => writes.push(element.textContent ?? '')).observe(element, {
      characterData: true,
      childList: true,
      subtree: true,
    })
    Object.assign(globalThis, { statusWrites: writes })
  })
  return { page, errors }
}

const statusOf = (tab: ExampleTab) => tab.page.locator('[data-testid=status]')
const probeOf = (tab: ExampleTab) => tab.page.evaluate(() => JSON.parse(JSON.stringify(exampleProbe)) as ExampleProbe)
const writesOf = (tab: ExampleTab) => tab.page.evaluate(() => [...statusWrites])

/** Polls `read` until `done` holds, for up to `timeout` ms. */
async function until<T>(read: () => T | Promise<T>, done: (value: T) => boolean, timeout = 15_000): Promise<T> {
  const deadline = Date.now() + timeout
  for (;;) {
    const value = await read()
    if (done(value) || Date.now() > deadline) return value
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/**
 * The browser suite every framework example passes: it is built with its
 * framework's toolchain, served on loopback next to a real authorization
 * server (oidc-provider, 2 s access tokens) and a real API, and driven in two
 * tabs of headless Chromium.
 */
export function describeExample(name: ExampleName, expectations: { strictMode?: boolean; inspector?: boolean } = {}): void {
  let as: AuthorizationServer
  let api: ResourceServer
  let host: ExampleHost
  let browser: Browser
  let outDir: string

  beforeAll(async () => {
    await ensureSystemProgram('chromium', 'chromium')
    outDir = await mkdtemp(join(tmpdir(), `trm-example-${name}-`))
    const { ms: buildMs, page } = await buildExample(name, outDir)
    as = await startAuthorizationServer({ accessTokenTtlSeconds: 2 })
    api = await startResourceServer({ issuer: as.issuer, jwksUri: as.jwksUri, audience: as.resource, cors: true })
    // Reactive renewal, so that each expiry is one moment the test can count; 2 s tokens renew sooner than the default 5 s minimum.
    host = await startExampleHost({ dir: page, as, api, config: { refresh: { proactive: false, minInterval: 500 } } })
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS })
    console.log(`${name} example: built in ${Math.round(buildMs)} ms`)
  }, 300_000)
  afterAll(async () => {
    await browser?.close()
    await host?.close()
    await api?.close()
    await as?.close()
    if (outDir) await rm(outDir, { recursive: true, force: true })
  })

  test(`${name}: two tabs stay signed in across ${EXPIRIES} expiries with one refresh grant each, and sign out together`, async () => {
    const context = await browser.newContext({ viewport: { width: 640, height: 360 } })
    const [first, second] = [await openTab(context, host.url('/')), await openTab(context, host.url('/'))] as const
    const tabs = [first, second]
    for (const tab of tabs) await expect.poll(() => statusOf(tab).textContent()).toBe('signedOut')

    await first.page.click('[data-testid=sign-in]')
    for (const tab of tabs) await expect.poll(() => statusOf(tab).textContent()).toBe('active')
    await first.page.waitForSelector('[data-testid=items] li')
    // Loaded and signed in without a single console error.
    for (const tab of tabs) expect(tab.errors).toEqual([])
    as.resetCounts()
    api.resetCounts()
    const started = Date.now()

    // Both tabs load the list every 250 ms; each expiry costs one refresh, by whichever tab meets it first.
    const refreshedAt: number[] = []
    await until(
      () => {
        while (refreshedAt.length < as.counts.refreshGrants) refreshedAt.push(Date.now() - started)
        return as.counts.refreshGrants
      },
      (grants) => grants >= EXPIRIES,
    )
    // Long enough for a second refresh of one expiry to show, shorter than a token's life.
    await new Promise((resolve) => setTimeout(resolve, 400))
    const probes = await Promise.all(tabs.map(probeOf))
    const counts = { ...as.counts }
    const unauthorized = api.counts.unauthorized
    if (SCREENSHOT_DIR) await first.page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`) })

    await second.page.click('[data-testid=sign-out]')
    for (const tab of tabs) await expect.poll(() => statusOf(tab).textContent()).toBe('signedOut')
    const writes = await Promise.all(tabs.map(writesOf))
    const final = await Promise.all(tabs.map(probeOf))

    console.log(
      `${name} example: ${EXPIRIES} expiries in ${Date.now() - started} ms, refresh grants at ${refreshedAt.join(', ')} ms ` +
        `(${counts.refreshGrants} grants, ${counts.refreshGrantsFailed} failed), ${unauthorized} 401s answered and replayed; ` +
        tabs
          .map(
            (_, index) =>
              `tab ${index + 1}: ${probes[index]!.loads.ok} loads ok, ${probes[index]!.loads.failed} failed, ` +
              `${final[index]!.snapshots} snapshots, statuses ${final[index]!.statuses.join('>')}, ` +
              `${writes[index]!.length} status writes (${writes[index]!.join('>')})` +
              (final[index]!.renders > 0 ? `, ${final[index]!.renders} status commits` : '') +
              `, ${final[index]!.mountEffects} mount effect runs`,
          )
          .join('; '),
    )

    expect(counts).toMatchObject({ refreshGrants: EXPIRIES, refreshGrantsSucceeded: EXPIRIES, refreshGrantsFailed: 0 })
    for (const index of tabs.keys()) {
      const probe = probes[index]!
      expect(probe.loads.failed).toBe(0)
      expect(probe.loads.ok).toBeGreaterThan(EXPIRIES * 2)
      // Restored once at load, never again: a second restore would be a second session.
      expect(final[index]!.statuses.filter((status) => status === 'restoring')).toHaveLength(1)
      // The page writes the status only when the chart's status changes: never twice the same, never more often.
      const shown = writes[index]!
      expect(shown.every((status, at) => at === 0 || status !== shown[at - 1])).toBe(true)
      const changesAfterLoad = final[index]!.statuses.length - 2 // before the observer: restoring, then signedOut
      expect(shown.length).toBeLessThanOrEqual(changesAfterLoad)
      expect(final[index]!.snapshots).toBeGreaterThan(shown.length)
      expect(final[index]!.mountEffects).toBe(expectations.strictMode ? 2 : 1)
    }
    // A token can die before the session's clock says (a JWT's exp is whole seconds): the API's 401 is then
    // refreshed for and replayed, and Chromium logs that 401 as a console error. Those, and nothing else.
    const errors = tabs.flatMap((tab) => tab.errors)
    expect(errors.filter((error) => !/status of 401/.test(error))).toEqual([])
    expect(errors).toHaveLength(unauthorized)
    await context.close()
  }, 60_000)

  if (!expectations.inspector) return
  test(`${name}: the Stately inspector receives the session's states, and no token`, async () => {
    const context = await browser.newContext()
    const tab = await openTab(context, host.url('/?inspect=/inspector/'))
    // @statelyai/inspect's browser adapter forwards to the iframe once its load event has fired; events from
    // before it (the actor's creation, the restore) can be lost on a slow start. Sign in only after it, so
    // everything the sign-in causes must arrive.
    const receiver = await until(
      () => tab.page.frames().find((frame) => new URL(frame.url()).pathname === '/inspector/'),
      (frame) => frame !== undefined,
    )
    if (receiver === undefined) throw new Error('the inspector iframe never loaded')
    await tab.page.waitForFunction(() => document.querySelector('iframe')?.contentDocument?.readyState === 'complete')
    await tab.page.click('[data-testid=sign-in]')
    await expect.poll(() => statusOf(tab).textContent()).toBe('active')
    await tab.page.waitForSelector('[data-testid=items] li')
    const received = await until(
      () => receiver.evaluate(() => JSON.stringify((globalThis as { received?: unknown[] }).received ?? [])),
      (json) => json.includes('"active"'),
    )
    const events = JSON.parse(received) as Array<{ type: string; snapshot?: { value?: unknown } }>
    const states = new Set(
      events.flatMap((event) => (event.snapshot?.value === undefined ? [] : [JSON.stringify(event.snapshot.value)])),
    )
    const issued = host.issued
      .flatMap((tokens) => [tokens.access_token, tokens.refresh_token])
      .filter((token) => typeof token === 'string')
    console.log(
      `${name} inspector: ${events.length} inspection events (${new Set(events.map((event) => event.type)).size} kinds), ` +
        `states seen ${[...states].join(' ')}; ${issued.length} issued tokens looked for, JWTs in events: ${/eyJ[\w-]+\.eyJ/.test(received)}`,
    )
    expect(events.some((event) => event.type === '@xstate.event')).toBe(true)
    expect(events.some((event) => event.type === '@xstate.snapshot')).toBe(true)
    expect([...states]).toEqual(expect.arrayContaining(['{"active":"idle"}']))
    expect(issued.length).toBeGreaterThan(0)
    for (const token of issued) expect(received).not.toContain(token)
    expect(received).not.toMatch(/eyJ[\w-]+\.eyJ/) // no JWT at all, the access tokens the page refreshed included
    expect(tab.errors).toEqual([])
    await context.close()
  })
}
