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
  await client.flushAll()
  api = await startFakeApi()
}, 300_000) // may install redis-server first
afterAll(async () => {
  await client?.close()
  await api?.close()
  await server?.stop()
})

const USERS = ['alice', 'bob'] as const
const PROCESSES = ['p1', 'p2', 'p3'] as const

/** Sends `command` to every worker and collects what they report for it. */
async function everyone(command: string, results: string, count: number): Promise<string[]> {
  for (const id of PROCESSES) await client.rPush(`commands:${id}`, command)
  await expect.poll(() => client.lLen(results), { timeout: 20_000 }).toBe(count)
  return client.lRange(results, 0, -1)
}

// Issue 9, finding 1, against real Redis: per-user keys on the default
// channel used to cross tokens (bob's request carried Bearer alice-…) and
// alice's sign-out deleted bob's key.
test("three processes serving two users on one channel never send one user's token for the other", async () => {
  const families: Record<string, string | undefined> = {}
  for (const user of USERS) {
    const tokens = api.issue()
    families[user] = api.familyOf(tokens.access_token)
    const key = `trm:session:${user}`
    await redisStorage({ client, key }).save({
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
  const exits = PROCESSES.map(
    (id) =>
      new Promise<number | null>((resolve) => {
        const child = spawn(process.execPath, ['--import', 'tsx', worker, server.url, api.tokenUrl, api.origin, id], {
          stdio: ['ignore', 'ignore', 'inherit'],
        })
        child.on('exit', resolve)
      }),
  )
  await expect.poll(() => client.lLen('workers:ready'), { timeout: 20_000 }).toBe(3)

  const statusesOf = (lines: string[], user: string) =>
    lines.flatMap((line) => (JSON.parse(line) as { statuses: Record<string, unknown[]> }).statuses[user] ?? [])
  // Two expiries with both users active.
  for (const round of ['1', '2']) {
    api.expireAccessTokens()
    const lines = await everyone(`burst:${round}`, `results:${round}`, 3)
    for (const user of USERS) expect(statusesOf(lines, user)).toEqual(Array(15).fill(200))
  }
  // Alice signs out in one process; Bob is untouched everywhere.
  await client.rPush('commands:p1', 'signOut:alice')
  await expect.poll(() => client.lLen('signedOut'), { timeout: 20_000 }).toBe(1)
  expect(await client.get('trm:session:alice')).toBeNull()
  expect(JSON.parse((await client.get('trm:session:bob')) ?? '{}')).toMatchObject({
    generation: 3,
    scope: 'redis:trm:session:bob',
  })
  api.expireAccessTokens()
  const lines = await everyone('burst:3', 'results:3', 3)
  expect(statusesOf(lines, 'alice')).toEqual(Array(15).fill('NotSignedInError'))
  expect(statusesOf(lines, 'bob')).toEqual(Array(15).fill(200))
  for (const id of PROCESSES) await client.rPush(`commands:${id}`, 'quit')
  expect(await Promise.all(exits)).toEqual([0, 0, 0])

  // Every request of each user carried that user's tokens, and only theirs.
  for (const user of USERS) {
    const seen = api.seen.filter((request) => request.path.startsWith(`/${user}/`))
    const carried = new Set(seen.map((request) => api.familyOf(request.authorization?.slice('Bearer '.length) ?? '')))
    expect(carried).toEqual(new Set([families[user]]))
  }
  // One refresh per user per expiry across the three processes, each with that user's refresh token.
  const refreshesBy = (user: string) => api.refreshes.filter((token) => api.familyOf(token) === families[user]).length
  expect([refreshesBy('alice'), refreshesBy('bob')]).toEqual([2, 3])
  expect(api.revoked.map((token) => api.familyOf(token))).toEqual([families.alice])
  console.log(
    `two users, three processes, one channel: ${api.seen.length} requests seen, ` +
      `${api.refreshes.length} refreshes (alice 2, bob 3), 0 tokens of the other user`,
  )
}, 90_000)
