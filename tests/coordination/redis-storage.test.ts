import { createClient, type RedisClientType } from 'redis'
import { afterAll, afterEach, beforeAll, beforeEach, expect, test } from 'vitest'
import { redisLock } from '../../adapters/redis-lock.js'
import { redisStorage } from '../../adapters/redis-storage.js'
import type { StoredTokens } from '../../machines/ports.js'
import { startRedisServer, type RedisServer } from '../support/redis-server.js'

let server: RedisServer
let a: RedisClientType
let b: RedisClientType
beforeAll(async () => {
  server = await startRedisServer()
}, 300_000) // may install redis-server first
afterAll(() => server?.stop())

beforeEach(async () => {
  a = createClient({ url: server.url })
  b = createClient({ url: server.url })
  await Promise.all([a.connect(), b.connect()])
  await a.flushAll()
})
afterEach(() => Promise.all([a.close(), b.close()]))

const KEY = 'trm:session:alice'
const record = (generation: number): StoredTokens => ({
  version: 2,
  scope: `redis:${KEY}`,
  grant: 'test-grant-0000000001',
  accessToken: `at-${generation}`,
  refreshToken: `rt-${generation}`,
  expiresAt: 1_900_000_000_000,
  generation,
})

test('what one process saves, another loads, as JSON under the one key', async () => {
  await redisStorage({ client: a, key: KEY }).save(record(1))

  expect(await redisStorage({ client: b, key: KEY }).load()).toEqual(record(1))
  expect(await b.keys('*')).toEqual([KEY])
  expect(JSON.parse((await b.get(KEY))!)).toEqual(record(1))
})

test('load gives null when nothing is stored, and after clear', async () => {
  const storage = redisStorage({ client: a, key: KEY })
  expect(await storage.load()).toBeNull()

  await storage.save(record(1))
  await storage.clear()

  expect(await storage.load()).toBeNull()
  expect(await a.exists(KEY)).toBe(0)
})

test('load hands over an unparseable value as the raw string, for the session to discard', async () => {
  await a.set(KEY, '{not json')
  expect(await redisStorage({ client: a, key: KEY }).load()).toBe('{not json')
})

test('ttlSeconds lets Redis forget the session; each save restarts the clock', async () => {
  await redisStorage({ client: a, key: KEY }).save(record(1))
  expect(await a.ttl(KEY)).toBe(-1) // no expiry unless asked

  const storage = redisStorage({ client: a, key: KEY, ttlSeconds: 3600 })
  await storage.save(record(2))
  await a.expire(KEY, 10)
  await storage.save(record(3))

  expect(await a.ttl(KEY)).toBeGreaterThan(3590)
  expect(await a.ttl(KEY)).toBeLessThanOrEqual(3600)
})

test('sessions under different keys do not touch each other', async () => {
  const alice = redisStorage({ client: a, key: 'trm:session:alice' })
  const bob = redisStorage({ client: a, key: 'trm:session:bob' })
  await alice.save(record(1))
  await bob.save(record(7))
  await bob.clear()

  expect(await alice.load()).toEqual(record(1))
  expect(await bob.load()).toBeNull()
})

test('the next lock holder loads what the previous one saved before releasing', async () => {
  const [lockA, lockB] = [redisLock({ client: a, retryDelayMs: 5 }), redisLock({ client: b, retryDelayMs: 5 })]
  const [storageA, storageB] = [redisStorage({ client: a, key: KEY }), redisStorage({ client: b, key: KEY })]
  await storageA.save(record(1))
  const seen: unknown[] = []

  // Ten holders on two connections, each reading then saving the next generation: a stale read would repeat one.
  await Promise.all(
    Array.from({ length: 10 }, (_, i) => {
      const [lock, storage] = i % 2 === 0 ? [lockA, storageA] : [lockB, storageB]
      return lock.withLock(
        'refresh',
        async () => {
          const current = (await storage.load()) as StoredTokens
          seen.push(current.generation)
          await storage.save(record(current.generation + 1))
        },
        { timeout: 5_000 },
      )
    }),
  )

  expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
  expect(await storageA.load()).toEqual(record(11))
})
