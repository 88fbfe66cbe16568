import { setTimeout as sleep } from 'node:timers/promises'
import { expect, test } from 'vitest'
import { inProcessLock } from '../../adapters/in-process-lock.js'

test('50 concurrent tasks run one at a time, in the order they asked', async () => {
  const lock = inProcessLock()
  let running = 0
  let maxRunning = 0
  const order: number[] = []

  await Promise.all(
    Array.from({ length: 50 }, (_, i) =>
      lock.withLock(
        'refresh',
        async () => {
          running++
          maxRunning = Math.max(maxRunning, running)
          order.push(i)
          await sleep(i % 3) // mixed hold times, so any overlap would show
          running--
        },
        { timeout: 5_000 },
      ),
    ),
  )

  expect(maxRunning).toBe(1)
  expect(order).toEqual(Array.from({ length: 50 }, (_, i) => i))
})

test('a waiter that times out rejects with LockTimeoutError, leaves the queue, and its task never runs', async () => {
  const lock = inProcessLock()
  let release!: () => void
  const holding = lock.withLock('refresh', () => new Promise<void>((resolve) => (release = resolve)), { timeout: 1_000 })
  let ranLate = false

  const late = lock.withLock('refresh', async () => void (ranLate = true), { timeout: 30 })
  await expect(late).rejects.toMatchObject({ name: 'LockTimeoutError', code: 'LOCK_TIMEOUT' })

  // The next waiter gets the lock straight from the holder: the timed-out one is not in the way.
  const next = lock.withLock('refresh', async () => 'next', { timeout: 1_000 })
  release()
  await holding
  expect(await next).toBe('next')
  expect(ranLate).toBe(false)
})

test('a task that throws releases the lock, and withLock rejects with its error', async () => {
  const lock = inProcessLock()
  const failure = new Error('refresh failed')

  await expect(lock.withLock('refresh', () => Promise.reject(failure), { timeout: 100 })).rejects.toBe(failure)
  await expect(
    lock.withLock(
      'refresh',
      () => {
        throw failure
      },
      { timeout: 100 },
    ),
  ).rejects.toBe(failure)
  expect(await lock.withLock('refresh', async () => 42, { timeout: 100 })).toBe(42)
})

test('locks of different names do not wait for each other', async () => {
  const lock = inProcessLock()
  const never = new Promise<void>(() => {})
  void lock.withLock('grant-a', () => never, { timeout: 100 })

  expect(await lock.withLock('grant-b', async () => 'b', { timeout: 10 })).toBe('b')
})

test('the task signal is never aborted: an in-process lock cannot be lost', async () => {
  const lock = inProcessLock()
  const signal = await lock.withLock('refresh', async (signal) => signal, { timeout: 100 })
  expect(signal.aborted).toBe(false)
})

test('an infinite timeout waits as long as it takes', async () => {
  const lock = inProcessLock()
  const holding = lock.withLock('refresh', () => sleep(30), { timeout: 100 })

  expect(await lock.withLock('refresh', async () => 'waited', { timeout: Number.POSITIVE_INFINITY })).toBe('waited')
  await holding
})
