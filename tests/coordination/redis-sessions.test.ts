import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'
import { redisStorage } from '../../adapters/redis-storage.js'
import { runWorker, useRedisWorld } from '../support/redis-world.js'
import { redisClientKinds } from './redis-clients.js'

const world = useRedisWorld()

describe.each(redisClientKinds)('with %s', (kind) => {
  test('three server processes sharing one grant through Redis make exactly one refresh for 30 requests after expiry', async () => {
    // One instance signed in earlier; the grant lives in the shared storage.
    const tokens = world.api.issue()
    await redisStorage({ client: world.client, key: 'trm:session:alice' }).save({
      version: 2,
      scope: 'alice',
      grant: 'test-grant-alice-00001',
      accessToken: tokens.access_token,
      refreshToken: tokens.refresh_token,
      expiresAt: null,
      generation: 1,
    })
    const worker = fileURLToPath(new URL('./redis-session-worker.ts', import.meta.url))
    const exits = ['p1', 'p2', 'p3'].map((id) =>
      runWorker(worker, [world.server.url, world.api.tokenUrl, world.api.origin, id, kind]),
    )
    await expect.poll(() => world.client.lLen('workers:ready'), { timeout: 20_000 }).toBe(3)
    world.api.expireAccessTokens()
    await world.client.rPush('workers:go', ['go', 'go', 'go'])

    expect(await Promise.all(exits)).toEqual([0, 0, 0])
    const results = (await world.client.lRange('results', 0, -1)).map(
      (line) => JSON.parse(line) as { statuses: unknown[]; generation: number },
    )
    expect(results).toHaveLength(3)
    expect(results.flatMap((result) => result.statuses)).toEqual(Array(30).fill(200))
    expect(world.api.refreshes).toEqual(['rt-1'])
    expect(results.map((result) => result.generation)).toEqual([2, 2, 2])
    // The rotated token is what the shared storage now holds.
    expect(JSON.parse((await world.client.get('trm:session:alice')) ?? '{}')).toMatchObject({
      refreshToken: 'rt-2',
      generation: 2,
    })
  }, 60_000)
})
