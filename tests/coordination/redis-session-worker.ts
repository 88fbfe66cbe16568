// One server instance of the cross-process test: a full session on the shared
// grant (Redis storage, lock and broadcast), firing a burst of requests once told to.
import { createClient } from 'redis'
import { oauth2TokenEndpoint } from '../../adapters/oauth2-token-endpoint.js'
import { redisBroadcast } from '../../adapters/redis-broadcast.js'
import { redisLock } from '../../adapters/redis-lock.js'
import { redisStorage } from '../../adapters/redis-storage.js'
import { createTokenSession } from '../../session/create-token-session.js'
import { connectRedis, type RedisClientKind } from './redis-clients.js'

const [redisUrl, tokenUrl, apiOrigin, id, kind = 'node-redis'] = process.argv.slice(2)
if (!redisUrl || !tokenUrl || !apiOrigin || !id)
  throw new Error('usage: redis-session-worker.ts <redis> <token url> <api origin> <id> [node-redis|ioredis]')
// The session's connections are of the client under test; the test's own signals go over node-redis.
const { client, subscriber, close } = await connectRedis(kind as RedisClientKind, redisUrl)
const control = await createClient({ url: redisUrl }).connect()
const broadcast = redisBroadcast({ publisher: client, subscriber, channel: 'trm:test' })

const session = createTokenSession({
  tokenEndpoint: oauth2TokenEndpoint({ url: tokenUrl, clientId: 'spa' }),
  allowedOrigins: [apiOrigin],
  storage: redisStorage({ client, key: 'trm:session:alice' }),
  coordination: { lock: redisLock({ client, leaseMs: 5_000, retryDelayMs: 5 }), broadcast, name: 'alice' },
  refresh: { proactive: false },
})
await new Promise<void>((resolve) => {
  const check = () => (session.actor.getSnapshot().matches('active') ? resolve() : setTimeout(check, 5))
  check()
})

await control.rPush('workers:ready', id)
await control.blPop('workers:go', 15)

const statuses = await Promise.all(
  Array.from({ length: 10 }, (_, i) =>
    session.fetch(`${apiOrigin}/data/${id}/${i}`).then(
      (response) => response.status,
      (error: { name?: string }) => error.name ?? 'error',
    ),
  ),
)
await control.rPush('results', JSON.stringify({ id, statuses, generation: session.actor.getSnapshot().context.generation }))
session.dispose()
await broadcast.close()
await Promise.all([close(), control.close()])
process.exit(0)
