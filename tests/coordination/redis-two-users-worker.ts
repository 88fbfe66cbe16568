// One server instance of the two-user test: a session per user (each its own
// Redis key, one default channel, one lock), obeying commands from the test.
import { createClient } from 'redis'
import { oauth2TokenEndpoint } from '../../adapters/oauth2-token-endpoint.js'
import { redisBroadcast } from '../../adapters/redis-broadcast.js'
import { redisLock } from '../../adapters/redis-lock.js'
import { redisStorage } from '../../adapters/redis-storage.js'
import { createTokenSession, type TokenSession } from '../../session/create-token-session.js'
import { connectRedis, type RedisClientKind } from './redis-clients.js'

const [redisUrl, tokenUrl, apiOrigin, id, kind = 'node-redis'] = process.argv.slice(2)
if (!redisUrl || !tokenUrl || !apiOrigin || !id)
  throw new Error('usage: redis-two-users-worker.ts <redis> <token url> <api origin> <id> [node-redis|ioredis]')
// The sessions' connections are of the client under test; the test's commands come over node-redis.
const { client, subscriber, close } = await connectRedis(kind as RedisClientKind, redisUrl)
const control = await createClient({ url: redisUrl }).connect()
const commands = await createClient({ url: redisUrl }).connect()
// The default channel, 'trm:broadcast', shared by both users: messages carry their scope.
const broadcast = redisBroadcast({ publisher: client, subscriber })
const lock = redisLock({ client, leaseMs: 5_000, retryDelayMs: 5 })

const sessions: Record<string, TokenSession> = {}
for (const user of ['alice', 'bob']) {
  sessions[user] = createTokenSession({
    tokenEndpoint: oauth2TokenEndpoint({ url: tokenUrl, clientId: 'spa', revocationUrl: new URL('/revoke', tokenUrl).href }),
    allowedOrigins: [apiOrigin],
    storage: redisStorage({ client, key: `trm:session:${user}` }),
    coordination: { lock, broadcast },
    refresh: { proactive: false },
  })
}
const active = () => Object.values(sessions).every((session) => session.actor.getSnapshot().matches('active'))
await new Promise<void>((resolve) => {
  const check = () => (active() ? resolve() : setTimeout(check, 5))
  check()
})
await control.rPush('workers:ready', id)

for (;;) {
  const popped = await commands.blPop(`commands:${id}`, 30)
  const command = popped?.element ?? 'quit'
  if (command === 'quit') break
  if (command.startsWith('burst:')) {
    const round = command.slice('burst:'.length)
    const statuses: Record<string, Array<number | string>> = {}
    await Promise.all(
      Object.entries(sessions).map(async ([user, session]) => {
        statuses[user] = await Promise.all(
          Array.from({ length: 5 }, (_, i) =>
            session.fetch(`${apiOrigin}/${user}/${round}/${id}/${i}`).then(
              (response) => response.status,
              (error: { name?: string }) => error.name ?? 'error',
            ),
          ),
        )
      }),
    )
    await control.rPush(`results:${round}`, JSON.stringify({ id, statuses }))
  } else if (command.startsWith('signOut:')) {
    await sessions[command.slice('signOut:'.length)]?.signOut()
    await control.rPush('signedOut', id)
  }
}
for (const session of Object.values(sessions)) session.dispose()
await broadcast.close()
await Promise.all([close(), control.close(), commands.close()])
process.exit(0)
