// One "server process" of the multi-process test: takes the shared lock 20
// times on its own connection, logging enter and exit into a Redis list.
import { setTimeout as sleep } from 'node:timers/promises'
import { createClient } from 'redis'
import { redisLock } from '../../adapters/redis-lock.js'

const [url, id] = process.argv.slice(2)
if (!url || !id) throw new Error('usage: redis-lock-worker.ts <redis-url> <id>')
const client = await createClient({ url }).connect()
const lock = redisLock({ client, leaseMs: 2_000, retryDelayMs: 5 })

// Start together: report ready, then wait for the test's go, so all three contend from the first round.
await client.rPush('workers:ready', id)
await client.blPop('workers:go', 10)

for (let round = 0; round < 20; round++) {
  await lock.withLock(
    'shared',
    async () => {
      await client.rPush('events', JSON.stringify({ id, round, kind: 'enter', at: Date.now() }))
      await sleep(2)
      await client.rPush('events', JSON.stringify({ id, round, kind: 'exit', at: Date.now() }))
    },
    { timeout: 20_000 },
  )
  // Other work between refreshes, as a server has; without it one process could win every round
  // (SET NX is not fair) and the test would show little contention.
  await sleep(Math.random() * 6)
}
await client.close()
