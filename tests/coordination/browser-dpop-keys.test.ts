import { fileURLToPath } from 'node:url'
import { calculateJwkThumbprint, decodeProtectedHeader, EmbeddedJWK, jwtVerify } from 'jose'
import { afterAll, beforeAll, expect, test } from 'vitest'
import type * as Dpop from '../../adapters/dpop/index.js'
import { startBrowserHarness, type BrowserHarness } from '../support/chromium.js'

// What the bundle puts on each page. Functions passed to `page.evaluate` run there, not here.
declare const trm: typeof Dpop

let harness: BrowserHarness
beforeAll(async () => {
  harness = await startBrowserHarness({ modules: [fileURLToPath(new URL('../../adapters/dpop/index.ts', import.meta.url))] })
}, 300_000) // may install chromium first
afterAll(() => harness?.close())

const slot = { scope: 'indexedDB:app', grant: 'grant-0000000000000001' }

test('three tabs sign with the one key IndexedDB keeps for the grant, and none can export it', async () => {
  const tabs = await Promise.all([harness.newTab(), harness.newTab(), harness.newTab()])
  await tabs[0].evaluate(async (slot) => {
    await trm.indexedDbDpopKeys().save(slot, await trm.generateDpopKeyPair())
  }, slot)

  const seen = await Promise.all(
    tabs.map((tab) =>
      tab.evaluate(async (slot) => {
        const keys = (await trm.indexedDbDpopKeys().load(slot))!
        const exported = await crypto.subtle.exportKey('jwk', keys.privateKey).then(
          () => 'exported',
          (error: Error) => error.name,
        )
        return {
          extractable: keys.privateKey.extractable,
          exported,
          proof: await trm.createDpopProof(keys, { method: 'POST', url: `${location.origin}/token` }),
          otherGrant: (await trm.indexedDbDpopKeys().load({ ...slot, grant: 'grant-0000000000000002' })) === undefined,
        }
      }, slot),
    ),
  )

  const thumbprints = await Promise.all(seen.map(({ proof }) => calculateJwkThumbprint(decodeProtectedHeader(proof).jwk!)))
  console.log(
    `dpop keys in IndexedDB: 3 tabs, ${new Set(thumbprints).size} thumbprint, extractable ${seen.map((tab) => tab.extractable).join('/')}`,
  )
  expect(new Set(thumbprints).size).toBe(1)
  for (const tab of seen) {
    expect(tab).toMatchObject({ extractable: false, exported: 'InvalidAccessError', otherGrant: true })
    await expect(jwtVerify(tab.proof, EmbeddedJWK, { typ: 'dpop+jwt' })).resolves.toBeTruthy()
  }

  // Removed in one tab (sign-out, expiry): gone for all.
  await tabs[1].evaluate((slot) => trm.indexedDbDpopKeys().remove(slot), slot)
  expect(await tabs[2].evaluate(async (slot) => (await trm.indexedDbDpopKeys().load(slot)) === undefined, slot)).toBe(true)
  await Promise.all(tabs.map((tab) => tab.close()))
})
