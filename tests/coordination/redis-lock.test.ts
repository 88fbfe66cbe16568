import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'
import { createClient, type RedisClientType } from 'redis'
import { afterAll, afterEach, beforeAll, beforeEach, expect, test } from 'vitest'
import { redisLock } from '../../adapters/redis-lock.js'
import { startRedisServer, type RedisServer } from '../support/redis-server.js'

let server: RedisServer
let a: RedisClientType
let b: RedisClientType
beforeAll(async () => {
  server = await startRedisServer()
}, 300_000) // may install redis-server first
afterAll(() => server?.stop())

beforeEach(async () => {
  // Two connections, as two processes would have.
  a = createClient({ url: server.url })
  b = createClient({ url: server.url })
  await Promise.all([a.connect(), b.connect()])
  await a.flushAll()
})
afterEach(() => Promise.all([a.close(), b.close()]))

const KEY = 'trm:lock:refresh'

/** Resolves when `signal` aborts, or at once if it already has. */
function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve())))
}

test('two locks on separate connections exclude each other', async () => {
  const locks = [redisLock({ client: a, retryDelayMs: 5 }), redisLock({ client: b, retryDelayMs: 5 })]
  let running = 0
  let maxRunning = 0
  await a.set('counter', '0')

  await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      locks[i % 2]!.withLock(
        'refresh',
        async () => {
          running++
          maxRunning = Math.max(maxRunning, running)
          // A read-modify-write with a gap: any overlap would lose an increment.
          const value = Number(await b.get('counter'))
          await sleep(2)
          await a.set('counter', String(value + 1))
          running--
        },
        { timeout: 10_000 },
      ),
    ),
  )

  expect(maxRunning).toBe(1)
  expect(await a.get('counter')).toBe('20')
  expect(await a.exists(KEY)).toBe(0)
})

test('a lock not free within the timeout rejects with LockTimeoutError and the task never runs', async () => {
  let release!: () => void
  const holding = redisLock({ client: a }).withLock('refresh', () => new Promise<void>((r) => (release = r)), {
    timeout: 1_000,
  })
  await expect.poll(() => a.exists(KEY)).toBe(1)
  let ran = false

  const started = performance.now()
  const late = redisLock({ client: b, retryDelayMs: 10 }).withLock('refresh', async () => void (ran = true), {
    timeout: 150,
  })

  await expect(late).rejects.toMatchObject({ name: 'LockTimeoutError', code: 'LOCK_TIMEOUT' })
  const waited = performance.now() - started
  expect(waited).toBeGreaterThanOrEqual(145) // timers may round down a millisecond or so
  expect(waited).toBeLessThan(600)
  expect(ran).toBe(false)
  release()
  await holding
})

test('an infinite timeout keeps trying until the lock is free', async () => {
  await a.set(KEY, 'other-owner', { condition: 'NX', expiration: { type: 'PX', value: 100 } })

  const result = await redisLock({ client: b, retryDelayMs: 10 }).withLock('refresh', async () => 'acquired', {
    timeout: Number.POSITIVE_INFINITY,
  })

  expect(result).toBe('acquired')
})

test('a crashed holder blocks the others only until its lease expires', async () => {
  // A holder that died right after SET: it never renews and never releases.
  await a.set(KEY, 'crashed-owner', { condition: 'NX', expiration: { type: 'PX', value: 300 } })

  const started = performance.now()
  const result = await redisLock({ client: b, retryDelayMs: 10 }).withLock('refresh', async () => 'acquired', {
    timeout: 3_000,
  })

  const waited = performance.now() - started
  expect(result).toBe('acquired')
  expect(waited).toBeGreaterThanOrEqual(250)
  expect(waited).toBeLessThan(1_000)
})

test('release deletes only its own lock: a holder whose lease lapsed leaves the next holder alone', async () => {
  let finishFirst!: () => void
  let firstSignal!: AbortSignal
  const first = redisLock({ client: a, leaseMs: 300 }).withLock(
    'refresh',
    (signal) => {
      firstSignal = signal
      return new Promise<void>((resolve) => (finishFirst = resolve))
    },
    { timeout: 1_000 },
  )
  await expect.poll(() => a.exists(KEY)).toBe(1)
  await a.del(KEY) // the first holder's lease is gone (as if it had expired while it was frozen)

  const second = redisLock({ client: b, leaseMs: 5_000 }).withLock(
    'refresh',
    async () => {
      const owner = await b.get(KEY)
      await expect.poll(() => firstSignal.aborted).toBe(true) // its next renewal found the lock gone
      finishFirst() // the stale holder finishes anyway, and releases
      await first
      return { owner, after: await b.get(KEY) }
    },
    { timeout: 1_000 },
  )

  const { owner, after } = await second
  expect(owner).toMatch(/^[0-9a-f-]{36}$/)
  expect(after).toBe(owner)
  expect(await a.exists(KEY)).toBe(0) // the second released its own
})

test('renewal keeps the lock of a task that outlives the lease', async () => {
  const leaseMs = 600
  const lock = redisLock({ client: a, leaseMs })

  const outcome = await lock.withLock(
    'refresh',
    async (signal) => {
      // Three leases long; meanwhile another connection keeps trying.
      const other = redisLock({ client: b, retryDelayMs: 20 }).withLock('refresh', async () => 'stolen', { timeout: 1_500 })
      const [rival] = await Promise.allSettled([other])
      return {
        rival: rival.status === 'rejected' ? (rival.reason as Error).name : 'got it',
        aborted: signal.aborted,
        pttl: await a.pTTL(KEY),
      }
    },
    { timeout: 1_000 },
  )

  expect(outcome.rival).toBe('LockTimeoutError')
  expect(outcome.aborted).toBe(false)
  expect(outcome.pttl).toBeGreaterThan(0)
  expect(outcome.pttl).toBeLessThanOrEqual(leaseMs)
  expect(await a.exists(KEY)).toBe(0)
})

test('a lock lost while held aborts the task signal', async () => {
  const leaseMs = 900
  const started = performance.now()

  const reason = await redisLock({ client: a, leaseMs }).withLock(
    'refresh',
    async (signal) => {
      await b.set(KEY, 'someone-else') // taken over, as after an expiry
      await aborted(signal)
      return signal.reason as DOMException
    },
    { timeout: 1_000 },
  )

  // Found by the first renewal, a third of the lease in: well before the lease would have lapsed.
  expect(reason.name).toBe('AbortError')
  expect(reason.message).toContain('was lost')
  expect(performance.now() - started).toBeLessThan(leaseMs)
  expect(await a.get(KEY)).toBe('someone-else') // not ours, so not released
})

test('renewals that cannot reach Redis abort the task before the lease could have run out', async () => {
  const leaseMs = 300
  const admin = await createClient({ url: server.url }).connect()
  try {
    const started = performance.now()
    const reason = await redisLock({ client: a, leaseMs }).withLock(
      'refresh',
      async (signal) => {
        await admin.clientPause(1_000, 'ALL') // Redis stops answering, as during a network partition
        await aborted(signal)
        return { message: (signal.reason as Error).message, at: performance.now() - started }
      },
      { timeout: 1_000 },
    )

    expect(reason.message).toContain('may have expired')
    expect(reason.at).toBeGreaterThanOrEqual(leaseMs - 50)
    expect(reason.at).toBeLessThan(leaseMs + 200) // timers run late on a busy machine, never early
  } finally {
    await admin.sendCommand(['CLIENT', 'UNPAUSE']).catch(() => {})
    await admin.close()
  }
})

test('three processes taking the lock 20 times each never overlap', async () => {
  const worker = fileURLToPath(new URL('./redis-lock-worker.ts', import.meta.url))
  const exits = ['p1', 'p2', 'p3'].map((id) => {
    const child = spawn(process.execPath, ['--import', 'tsx', worker, server.url, id], { stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    return new Promise<{ code: number | null; stderr: string }>((resolve) =>
      child.once('exit', (code) => resolve({ code, stderr })),
    )
  })
  await expect.poll(() => a.lLen('workers:ready'), { timeout: 15_000 }).toBe(3)
  await a.rPush('workers:go', ['go', 'go', 'go'])

  expect(await Promise.all(exits)).toEqual(Array(3).fill({ code: 0, stderr: '' }))
  const events = (await a.lRange('events', 0, -1)).map((e) => JSON.parse(e) as { id: string; kind: string; at: number })

  // Redis orders the pushes: the log must read enter, exit, enter, exit..., each exit by the one who entered.
  expect(events).toHaveLength(120)
  for (let i = 0; i < events.length; i += 2) {
    expect([events[i]!.kind, events[i + 1]!.kind, events[i + 1]!.id]).toEqual(['enter', 'exit', events[i]!.id])
    if (i > 0) expect(events[i]!.at).toBeGreaterThanOrEqual(events[i - 1]!.at)
  }
  expect(new Set(events.map((e) => e.id))).toEqual(new Set(['p1', 'p2', 'p3']))
  // They did contend: the holder changed hands many times, not once per process.
  const handOffs = events.filter((e, i) => i > 0 && e.kind === 'enter' && e.id !== events[i - 1]!.id).length
  expect(handOffs).toBeGreaterThan(10)
}, 30_000)
