import { ConfigurationError, LockTimeoutError } from '../machines/errors.js'
import type { Lock } from '../machines/ports.js'
import { redisCommands, type IoRedisLike, type RedisLike } from './redis-like.js'

export interface RedisLockOptions {
  /** A connected client, node-redis or ioredis; shared with other work is fine. */
  client: Pick<RedisLike, 'eval'> | Pick<IoRedisLike, 'eval' | 'status'>
  /**
   * Prepended to every lock name to form the Redis key.
   * @default 'trm:lock:'
   */
  prefix?: string
  /**
   * How long the lock outlives a holder that stopped renewing it (crashed,
   * frozen, cut off): nobody waits longer than this for a dead holder. It is
   * renewed every `leaseMs / 3` while the task runs.
   * @default 10_000
   */
  leaseMs?: number
  /**
   * Mean pause between attempts while the lock is taken; each pause is
   * jittered between half and one and a half times this.
   * @default 50
   */
  retryDelayMs?: number
}

// SET NX PX inside a script: `eval` is the one call whose shape node-redis kept from v4 to v6 (an
// options object for SET that an older client ignored would silently drop NX and admit two holders).
const ACQUIRE = "return redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2])"
// Compare-and-act, atomically: only the owner's random token may release or extend the lock,
// so a holder whose lease lapsed cannot delete or prolong the next holder's lock.
const RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"
const RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end"

/**
 * Mutual exclusion across processes and machines that share a Redis: a single
 * key set with `SET key owner NX PX leaseMs`, the single-instance pattern of
 * https://redis.io/docs/latest/develop/use/patterns/distributed-locks/. Holds
 * while that one Redis does (not Redlock: a failover can lose it).
 *
 * The lease is renewed while the task runs. If a renewal finds the lock gone,
 * or cannot confirm it before the lease would have run out, the task's signal
 * aborts: stop before acting on stale ground. Errors from Redis while
 * acquiring reject `withLock` as they are.
 *
 * @example
 * const lock = redisLock({ client: await createClient({ url }).connect() })
 */
export function redisLock(options: RedisLockOptions): Lock {
  const { client, prefix = 'trm:lock:', leaseMs = 10_000, retryDelayMs = 50 } = options
  if (!(Number.isSafeInteger(leaseMs) && leaseMs > 0))
    throw new ConfigurationError('redisLock: `leaseMs` must be a positive whole number.')
  if (!(retryDelayMs > 0)) throw new ConfigurationError('redisLock: `retryDelayMs` must be positive.')
  const redis = redisCommands(client)
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
  const release = (key: string, owner: string) => redis.eval(RELEASE, [key], [owner])

  /** Resolves when the lock was won: the time its SET was sent, from which the lease surely runs. */
  async function acquire(key: string, owner: string, deadline: number): Promise<number | undefined> {
    for (;;) {
      const sentAt = performance.now()
      const attempt = redis.eval(ACQUIRE, [key], [owner, String(leaseMs)])
      // Bounded even if Redis stalls: give up at the deadline (the last attempt gets one retry delay), and free
      // the lock should that late SET still win.
      let timer: ReturnType<typeof setTimeout> | undefined
      const bound = Math.min(Math.max(deadline - sentAt, retryDelayMs), 2 ** 31 - 1) // setTimeout's largest delay
      const late = new Promise<'late'>((resolve) => (timer = setTimeout(resolve, bound, 'late')))
      const reply = await Promise.race([attempt, late]).finally(() => clearTimeout(timer))
      if (reply === 'late') {
        attempt.then((won) => won === 'OK' && release(key, owner)).catch(() => {})
        return undefined
      }
      if (reply === 'OK') return sentAt
      const left = deadline - performance.now()
      if (left <= 0) return undefined
      await sleep(Math.min(left, retryDelayMs * (0.5 + Math.random())))
    }
  }

  return {
    async withLock(name, task, { timeout }) {
      const key = prefix + name
      const owner = crypto.randomUUID()
      const since = await acquire(key, owner, performance.now() + timeout)
      if (since === undefined) {
        throw new LockTimeoutError(`The Redis lock "${key}" was not free within ${timeout} ms; nothing ran under it.`)
      }

      const held = new AbortController()
      let settled = false
      const lose = (why: string) => {
        clearTimeout(lapse)
        held.abort(new DOMException(`The Redis lock "${key}" ${why}; stop before acting on it.`, 'AbortError'))
      }
      // The lease surely lasts until leaseMs after the command that set or last renewed it was sent.
      const lapseFrom = (sentAt: number) =>
        setTimeout(() => lose('may have expired (renewals failed)'), leaseMs - (performance.now() - sentAt))
      let lapse = lapseFrom(since)
      let renewal: ReturnType<typeof setTimeout> | undefined
      const scheduleRenewal = () => {
        renewal = setTimeout(() => {
          const sentAt = performance.now()
          redis.eval(RENEW, [key], [owner, String(leaseMs)]).then(
            (renewed) => {
              if (settled || held.signal.aborted) return
              if (renewed !== 1) return lose('was lost (its lease expired or the key was deleted)')
              clearTimeout(lapse)
              lapse = lapseFrom(sentAt)
              scheduleRenewal()
            },
            // A failed renewal is retried; the lapse timer aborts the task if none succeeds in time.
            () => !settled && !held.signal.aborted && scheduleRenewal(),
          )
        }, leaseMs / 3)
      }
      scheduleRenewal()
      try {
        return await task(held.signal)
      } finally {
        settled = true
        clearTimeout(renewal)
        clearTimeout(lapse)
        // Best effort: if Redis is unreachable now, the lease frees the lock within leaseMs anyway.
        await release(key, owner).catch(() => {})
      }
    },
  }
}
