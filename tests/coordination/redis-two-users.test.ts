import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'
import { redisStorage } from '../../adapters/redis-storage.js'
import { runWorker, useRedisWorld } from '../support/redis-world.js'
import { redisClientKinds } from './redis-clients.js'

const world = useRedisWorld()

const USERS = ['alice', 'bob'] as const
const PROCESSES = ['p1', 'p2', 'p3'] as const

/** Sends `command` to every worker and collects what they report for it. */
async function everyone(command: string, results: string, count: number): Promise<string[]> {
  for (const id of PROCESSES) await world.client.rPush(`commands:${id}`, command)
  await expect.poll(() => world.client.lLen(results), { timeout: 20_000 }).toBe(count)
  return world.client.lRange(results, 0, -1)
}

// Issue 9, finding 1, against real Redis: per-user keys on the default
// channel used to cross tokens (bob's request carried Bearer alice-…) and
// alice's sign-out deleted bob's key.
describe.each(redisClientKinds)('with %s', (kind) => {
  test("three processes serving two users on one channel never send one user's token for the other", async () => {
    const families: Record<string, string | undefined> = {}
    for (const user of USERS) {
      const tokens = world.api.issue()
      families[user] = world.api.familyOf(tokens.access_token)
      const key = `trm:session:${user}`
      await redisStorage({ client: world.client, key }).save({
        version: 2,
        scope: `redis:${key}`,
        grant: `grant-of-${user}-0000001`,
        generation: 1,
        accessToken: tokens.access_token,
        refreshToken: tokens.refresh_token,
        expiresAt: null,
      })
    }
    const worker = fileURLToPath(new URL('./redis-two-users-worker.ts', import.meta.url))
    const exits = PROCESSES.map((id) => runWorker(worker, [world.server.url, world.api.tokenUrl, world.api.origin, id, kind]))
    await expect.poll(() => world.client.lLen('workers:ready'), { timeout: 20_000 }).toBe(3)

    const statusesOf = (lines: string[], user: string) =>
      lines.flatMap((line) => (JSON.parse(line) as { statuses: Record<string, unknown[]> }).statuses[user] ?? [])
    // Two expiries with both users active.
    for (const round of ['1', '2']) {
      world.api.expireAccessTokens()
      const lines = await everyone(`burst:${round}`, `results:${round}`, 3)
      for (const user of USERS) expect(statusesOf(lines, user)).toEqual(Array(15).fill(200))
    }
    // Alice signs out in one process; Bob is untouched everywhere.
    await world.client.rPush('commands:p1', 'signOut:alice')
    await expect.poll(() => world.client.lLen('signedOut'), { timeout: 20_000 }).toBe(1)
    expect(await world.client.get('trm:session:alice')).toBeNull()
    expect(JSON.parse((await world.client.get('trm:session:bob')) ?? '{}')).toMatchObject({
      generation: 3,
      scope: 'redis:trm:session:bob',
    })
    world.api.expireAccessTokens()
    const lines = await everyone('burst:3', 'results:3', 3)
    expect(statusesOf(lines, 'alice')).toEqual(Array(15).fill('NotSignedInError'))
    expect(statusesOf(lines, 'bob')).toEqual(Array(15).fill(200))
    for (const id of PROCESSES) await world.client.rPush(`commands:${id}`, 'quit')
    expect(await Promise.all(exits)).toEqual([0, 0, 0])

    // Every request of each user carried that user's tokens, and only theirs.
    for (const user of USERS) {
      const seen = world.api.seen.filter((request) => request.path.startsWith(`/${user}/`))
      const carried = new Set(seen.map((request) => world.api.familyOf(request.authorization?.slice('Bearer '.length) ?? '')))
      expect(carried).toEqual(new Set([families[user]]))
    }
    // One refresh per user per expiry across the three processes, each with that user's refresh token.
    const refreshesBy = (user: string) =>
      world.api.refreshes.filter((token) => world.api.familyOf(token) === families[user]).length
    expect([refreshesBy('alice'), refreshesBy('bob')]).toEqual([2, 3])
    expect(world.api.revoked.map((token) => world.api.familyOf(token))).toEqual([families.alice])
    console.log(
      `two users, three processes, one channel: ${world.api.seen.length} requests seen, ` +
        `${world.api.refreshes.length} refreshes (alice 2, bob 3), 0 tokens of the other user`,
    )
  }, 90_000)
})
