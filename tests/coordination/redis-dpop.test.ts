import { fileURLToPath } from 'node:url'
import { calculateJwkThumbprint, decodeJwt, exportJWK, generateKeyPair } from 'jose'
import { createClient } from 'redis'
import { expect, test } from 'vitest'
import { dpopFetch, dpopNonces, importDpopKeyPair } from '../../adapters/dpop/index.js'
import { redisStorage } from '../../adapters/redis-storage.js'
import { parseTokenResponse } from '../../adapters/token-response.js'
import { useDpopWorld } from '../support/dpop-world.js'
import { runWorker, useRedisWorld } from '../support/redis-world.js'

// Issue 13: three server processes on one DPoP grant, one key (imported from the same JWK), through real Redis,
// against oidc-provider with DPoP and nonces required and an API verifying every proof.
const world = useRedisWorld()
const dpop = useDpopWorld()

const ROUNDS = 3

test('three processes, one DPoP grant, one key: 1 refresh grant per expiry over 3 expiries, every proof accepted, no key material anywhere', async () => {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true })
  const jwk = await exportJWK(privateKey)
  const thumbprint = await calculateJwkThumbprint(jwk)
  // One instance signed in earlier, with the shared key; the grant lives in the shared storage.
  const keys = await importDpopKeyPair(jwk)
  const tokens = parseTokenResponse(await dpop.as.signIn({ fetch: dpopFetch({ keys, nonces: dpopNonces() }) }))
  await redisStorage({ client: world.client, key: 'trm:dpop:alice' }).save({
    version: 2,
    scope: 'alice',
    grant: 'dpop-grant-alice-0001',
    generation: 1,
    // Not `...tokens`: its `scope` is the OAuth scope, not the session's.
    accessToken: tokens.accessToken,
    ...(tokens.refreshToken === undefined ? {} : { refreshToken: tokens.refreshToken }),
    expiresAt: Date.now() + 2_000,
  })
  // Everything published on the channel, for the canary.
  const listener = createClient({ url: world.server.url })
  await listener.connect()
  const published: string[] = []
  await listener.subscribe('trm:dpop', (message) => void published.push(message))

  const worker = fileURLToPath(new URL('./redis-dpop-worker.ts', import.meta.url))
  const exits = ['p1', 'p2', 'p3'].map((id) =>
    runWorker(worker, [
      world.server.url,
      dpop.as.tokenEndpoint,
      dpop.as.clientId,
      dpop.api.origin,
      id,
      JSON.stringify(jwk),
      String(ROUNDS),
    ]),
  )
  await expect.poll(() => world.client.lLen('workers:ready'), { timeout: 20_000 }).toBe(3)
  dpop.as.resetCounts()
  dpop.api.resetCounts()

  const results: Array<{ id: string; statuses: unknown[]; snapshot: string; messages: string[]; inspected: string[] }> = []
  for (let round = 0; round < ROUNDS; round++) {
    // Past the access token's expiry at the server, then all three fire at once.
    const stored = JSON.parse((await world.client.get('trm:dpop:alice')) ?? '{}') as { accessToken: string }
    await new Promise((resolve) => setTimeout(resolve, decodeJwt(stored.accessToken).exp! * 1000 - Date.now() + 50))
    await world.client.rPush(`workers:go:${round}`, ['go', 'go', 'go'])
    await expect.poll(() => world.client.lLen(`results:${round}`), { timeout: 20_000 }).toBe(3)
    for (const line of await world.client.lRange(`results:${round}`, 0, -1))
      results.push(JSON.parse(line) as (typeof results)[number])
  }
  expect(await Promise.all(exits)).toEqual([0, 0, 0])
  await listener.close()

  const statuses = results.flatMap((result) => result.statuses)
  console.log(
    `redis dpop: 3 processes × ${ROUNDS} expiries × 10 requests: ${statuses.filter((status) => status === 200).length} × 200; ` +
      `refresh grants ${dpop.as.counts.refreshGrantsSucceeded} ok (${dpop.as.counts.nonceChallenges} nonce rounds); API ${dpop.api.counts.requests} requests, ` +
      `${results.reduce((sum, result) => sum + result.inspected.length, 0)} inspection events; ${dpop.api.counts.proofRejections} proofs refused, ${dpop.api.counts.reusedJti} jti reused, ${dpop.api.keysSeen.size} key; ${published.length} broadcasts`,
  )
  expect(statuses).toEqual(Array(3 * ROUNDS * 10).fill(200))
  expect(dpop.as.counts.refreshGrantsSucceeded).toBe(ROUNDS)
  expect(dpop.as.counts.refreshGrantsFailed).toBe(dpop.as.counts.nonceChallenges)
  expect(dpop.api.counts).toMatchObject({ proofRejections: 0, reusedJti: 0 })
  expect([...dpop.api.keysSeen]).toEqual([thumbprint])
  // Canary: the private key's `d` is in no snapshot, inspection event, message, broadcast or stored record.
  const everywhere = [
    ...results.flatMap((result) => [result.snapshot, ...result.messages, ...result.inspected]),
    ...published,
    ...(await Promise.all(
      (await world.client.keys('*')).map(async (key) => `${key}=${await world.client.get(key).catch(() => '')}`),
    )),
  ].join('\n')
  expect(everywhere).not.toContain(jwk.d)
  expect(everywhere).not.toContain('"d":')
}, 90_000)
