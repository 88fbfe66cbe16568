import { LockTimeoutError } from '../machines/errors.js'
import type { Lock } from '../machines/ports.js'

/** setTimeout's largest delay; past it (Infinity included) timers fire at once. About 24.8 days: "forever". */
const MAX_DELAY = 2 ** 31 - 1

interface Waiter {
  grant(): void
}

/**
 * A FIFO mutex per lock name, for the sessions of one JavaScript realm (one
 * tab, one worker, one Node process). Only sessions given the same instance
 * exclude each other: share it between every session that uses one grant.
 * Across tabs use `webLocks()`, across processes `redisLock()`.
 *
 * Waiters are served in the order they asked. One still queued when its
 * `timeout` passes leaves the queue and rejects with a `LockTimeoutError`; its
 * task never runs. The lock is released when the task settles, whether it
 * resolved or threw. It cannot be lost while held, so the task's signal never
 * aborts.
 *
 * @example
 * const lock = inProcessLock()
 * await lock.withLock('refresh', async () => refresh(), { timeout: 5_000 })
 */
export function inProcessLock(): Lock {
  // A name is held exactly while it has an entry here; the array is its queue.
  const queues = new Map<string, Waiter[]>()

  function release(name: string): void {
    const next = queues.get(name)?.shift()
    if (next) next.grant()
    else queues.delete(name)
  }

  function acquire(name: string, timeout: number): Promise<void> {
    const queue = queues.get(name)
    if (!queue) {
      queues.set(name, [])
      return Promise.resolve()
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        grant: () => {
          clearTimeout(timer)
          resolve()
        },
      }
      const timer = setTimeout(
        () => {
          // Leaving the queue keeps a timed-out waiter from being handed a lock nobody will release.
          queue.splice(queue.indexOf(waiter), 1)
          reject(new LockTimeoutError(`The lock "${name}" was not free within ${timeout} ms; nothing ran under it.`))
        },
        Math.min(timeout, MAX_DELAY),
      )
      queue.push(waiter)
    })
  }

  return {
    async withLock(name, task, { timeout }) {
      await acquire(name, timeout)
      try {
        return await task(new AbortController().signal)
      } finally {
        release(name)
      }
    },
  }
}
