import { fileURLToPath } from 'node:url'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, expect, test } from 'vitest'
import type * as Dpop from '../../adapters/dpop/index.js'
import type * as Library from '../../index.js'
import { startDpopResourceServer, type DpopResourceServer } from '../servers/dpop-resource-server.js'
import { startAuthorizationServer, type AuthorizationServer } from '../servers/index.js'
import { startBrowserHarness, type BrowserHarness } from '../support/chromium.js'

// What the bundle puts on each page. Functions passed to `page.evaluate` run there, not here.
declare const trm: typeof Library & typeof Dpop
declare const session: Library.TokenSession

// Issue 13: three tabs on one DPoP grant, against oidc-provider (DPoP, nonces required) and an API that verifies
// every proof. The tabs share the key through IndexedDB, stored as a non-extractable CryptoKey.
let as: AuthorizationServer
let api: DpopResourceServer
let harness: BrowserHarness
beforeAll(async () => {
  as = await startAuthorizationServer({ dpop: true, accessTokenTtlSeconds: 2 })
  api = await startDpopResourceServer({ issuer: as.issuer, jwksUri: as.jwksUri, audience: as.resource, cors: true })
  harness = await startBrowserHarness({
    modules: ['../../index.ts', '../../adapters/dpop/index.ts'].map((path) => fileURLToPath(new URL(path, import.meta.url))),
    // The front channel (login, consent) runs here; the page makes the code exchange with its own key.
    routes: {
      '/authorize': async (_request, response) => {
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(await as.authorize()))
      },
    },
  })
}, 300_000) // may install chromium first
afterAll(async () => {
  await harness?.close()
  await api?.close()
  await as?.close()
})

const config = () => ({ tokenUrl: as.tokenEndpoint, clientId: as.clientId, api: api.origin })

/** A tab's session: tokens in IndexedDB, Web Locks, a BroadcastChannel, and proofs signed with the key of its grant. */
async function openSession(tab: Page): Promise<void> {
  await tab.evaluate(({ tokenUrl, clientId, api }) => {
    const keyStore = trm.indexedDbDpopKeys({ name: 'dpop-test:keys' })
    const keys = trm.grantKeys(keyStore)
    const signed = trm.dpopFetch({ keys: keys.current, nonces: trm.dpopNonces() })
    const inspected: string[] = []
    const session = trm.createTokenSession({
      tokenEndpoint: trm.oauth2TokenEndpoint({ url: tokenUrl, clientId, fetch: signed }),
      fetch: signed,
      tokenType: 'DPoP',
      storage: trm.indexedDbStorage({ name: 'dpop-test' }),
      coordination: { lock: trm.webLocks(), broadcast: trm.broadcastChannel() },
      allowedOrigins: [api],
      refresh: { proactive: false, minInterval: 500 },
      // What an inspector would see, for the canary: each event's type, the event it carries, the context after it.
      inspect: (inspection) => {
        const { type, event, snapshot } = inspection as { type: string; event?: unknown; snapshot?: { context?: unknown } }
        inspected.push(JSON.stringify({ type, event, context: snapshot?.context }))
      },
    })
    keys.follow(session)
    Object.assign(globalThis, { session, keyStore, keys, inspected })
  }, config())
}

test('three tabs on one DPoP grant: one key, 1 refresh grant per expiry over 3 expiries, every proof accepted, the key not extractable', async () => {
  const tabs = await Promise.all([harness.newTab(), harness.newTab(), harness.newTab()])
  // Tab 1 prepares the grant and its key, and signs in: the code exchange carries a proof of that key, which binds the grant.
  await openSession(tabs[0])
  const extractable = await tabs[0].evaluate(async ({ tokenUrl, clientId }) => {
    const login = await (globalThis as unknown as { keys: Dpop.GrantKeys }).keys.prepare()
    const { code, verifier, redirectUri } = (await (await fetch('/authorize', { method: 'POST' })).json()) as {
      code: string
      verifier: string
      redirectUri: string
    }
    const exchange = await trm.dpopFetch({ keys: login.keys })(tokenUrl, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: redirectUri,
        client_id: clientId,
        code_verifier: verifier,
      }),
    })
    await session.signIn((await exchange.json()) as Record<string, unknown>, { grant: login.grant })
    return login.keys.privateKey.extractable
  }, config())
  for (const tab of tabs.slice(1)) await openSession(tab)
  for (const tab of tabs) await tab.waitForFunction(() => session.actor.getSnapshot().matches('active'))
  as.resetCounts()
  api.resetCounts()

  const statuses: unknown[] = []
  for (let expiry = 0; expiry < 3; expiry++) {
    // Past the expiry the server knows (exp is whole seconds), then every tab fires at once.
    await tabs[0].evaluate(async () => {
      const token = await session.getAccessToken()
      const exp = (JSON.parse(atob(token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as { exp: number }).exp
      await new Promise((resolve) => setTimeout(resolve, exp * 1000 - Date.now() + 50))
    })
    const answers = await Promise.all(
      tabs.map((tab) =>
        tab.evaluate(async (api) => {
          const responses = await Promise.all(
            Array.from({ length: 5 }, () => session.fetch(`${api}/data`).catch((error: Error) => error.name)),
          )
          return responses.map((response) => (typeof response === 'string' ? response : response.status))
        }, api.origin),
      ),
    )
    statuses.push(...answers.flat())
  }

  console.log(
    `browser dpop: 3 tabs × 3 expiries × 5 requests: ${statuses.filter((status) => status === 200).length} × 200; ` +
      `refresh grants ${as.counts.refreshGrantsSucceeded} ok (${as.counts.nonceChallenges} nonce rounds); API ${api.counts.requests} requests, ` +
      `${api.counts.nonceChallenges} nonce rounds, ${api.counts.proofRejections} proofs refused, ${api.counts.reusedJti} jti reused, ` +
      `${api.keysSeen.size} key; extractable ${extractable}`,
  )
  expect(statuses).toEqual(Array(45).fill(200))
  expect(as.counts.refreshGrantsSucceeded).toBe(3)
  expect(as.counts.refreshGrantsFailed).toBe(as.counts.nonceChallenges)
  expect(api.counts).toMatchObject({ proofRejections: 0, reusedJti: 0 })
  expect(api.keysSeen.size).toBe(1)
  expect(extractable).toBe(false)
  // Canary: no private key member in any inspection event or snapshot of any tab.
  const seen = await Promise.all(
    tabs.map((tab) =>
      tab.evaluate(() => [
        ...(globalThis as unknown as { inspected: string[] }).inspected,
        JSON.stringify(session.actor.getSnapshot()),
      ]),
    ),
  )
  expect(seen.flat().length).toBeGreaterThan(30)
  expect(seen.flat().join('\n')).not.toMatch(/"d":|"privateKey"/)

  // Sign-out in tab 2 ends the grant in every tab, and its key is gone from IndexedDB.
  const grant = await tabs[0].evaluate(() => session.actor.getSnapshot().context.grant!)
  await tabs[1].evaluate(() => session.signOut())
  for (const tab of tabs) await tab.waitForFunction(() => session.actor.getSnapshot().matches('signedOut'))
  await tabs[2].waitForFunction(
    async (grant) =>
      (await (globalThis as unknown as { keyStore: Dpop.DpopKeyStore }).keyStore.load({ scope: session.scope, grant })) ===
      undefined,
    grant,
  )
  await Promise.all(tabs.map((tab) => tab.close()))
}, 60_000)
