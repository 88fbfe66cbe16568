import { spawn } from 'node:child_process'
import { createClient, type RedisClientType } from 'redis'
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest'
import { startFakeApi, type FakeApi } from './fake-api.js'
import { startRedisServer, type RedisServer } from './redis-server.js'

/** A real redis-server, a connected client and the fake API, for a suite of processes sharing sessions. */
export interface RedisWorld {
  server: RedisServer
  client: RedisClientType
  api: FakeApi
}

/**
 * Starts redis-server before the suite (installing it first if it must) and
 * stops it after; each test gets an empty Redis, a connected client and a
 * fresh API.
 */
export function useRedisWorld(): RedisWorld {
  const world = {} as RedisWorld
  beforeAll(async () => {
    world.server = await startRedisServer()
  }, 300_000)
  beforeEach(async () => {
    world.client = createClient({ url: world.server.url })
    await world.client.connect()
    await world.client.flushAll()
    world.api = await startFakeApi()
  })
  afterEach(async () => {
    await world.client?.close()
    await world.api?.close()
  })
  afterAll(() => world.server?.stop())
  return world
}

/** Runs `script` (a worker of the suite) in a Node process of its own; resolves its exit code. */
export function runWorker(script: string, args: string[]): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['ignore', 'ignore', 'inherit'] })
    child.on('exit', resolve)
  })
}
