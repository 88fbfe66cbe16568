import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { createClient, type RedisClientType } from 'redis'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { redisStorage } from '../../adapters/redis-storage.js'
import { startFakeApi, type FakeApi } from '../support/fake-api.js'
import { startRedisServer, type RedisServer } from '../support/redis-server.js'

let server: RedisServer
let client: RedisClientType
let api: FakeApi
beforeAll(async () => {
  server = await startRedisServer()
  client = createClient({ url: server.url })
  await client.connect()
  api = await startFakeApi()
}, 300_000) // may install redis-server first
afterAll(async () => {
  await client?.close()
  await api?.close()
  await server?.stop()
})

test('three server processes sharing one grant through Redis make exactly one refresh for 30 requests after expiry', async () => {
  // One instance signed in earlier; the grant lives in the shared storage.
  const tokens = api.issue()
  await redisStorage({ client, key: 'trm:session:alice' }).save({
    version: 2,
    scope: 'alice',
    grant: 'test-grant-alice-00001',
    accessToken: tokens.access_token,
    refreshToken: tokens.refresh_token,
    expiresAt: null,
    generation: 1,
  })
  const worker = fileURLToPath(new URL('./redis-session-worker.ts', import.meta.url))
  const exits = ['p1', 'p2', 'p3'].map(
    (id) =>
      new Promise<number | null>((resolve) => {
        const child = spawn(process.execPath, ['--import', 'tsx', worker, server.url, api.tokenUrl, api.origin, id], {
          stdio: ['ignore', 'ignore', 'inherit'],
        })
        child.on('exit', resolve)
      }),
  )
  await expect.poll(() => client.lLen('workers:ready'), { timeout: 20_000 }).toBe(3)
  api.expireAccessTokens()
  await client.rPush('workers:go', ['go', 'go', 'go'])

  expect(await Promise.all(exits)).toEqual([0, 0, 0])
  const results = (await client.lRange('results', 0, -1)).map(
    (line) => JSON.parse(line) as { statuses: unknown[]; generation: number },
  )
  expect(results).toHaveLength(3)
  expect(results.flatMap((result) => result.statuses)).toEqual(Array(30).fill(200))
  expect(api.refreshes).toEqual(['rt-1'])
  expect(results.map((result) => result.generation)).toEqual([2, 2, 2])
  // The rotated token is what the shared storage now holds.
  expect(JSON.parse((await client.get('trm:session:alice')) ?? '{}')).toMatchObject({ refreshToken: 'rt-2', generation: 2 })
}, 60_000)
