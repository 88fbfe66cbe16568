// One server process of the DPoP cross-process test: a session on the shared
// grant (Redis storage, lock and broadcast) that signs every token and API
// request with the one key all processes import, over several expiries.
import { createClient } from 'redis'
import { dpopFetch, dpopNonces, importedDpopKey } from '../../adapters/dpop/index.js'
import { oauth2TokenEndpoint } from '../../adapters/oauth2-token-endpoint.js'
import { redisBroadcast } from '../../adapters/redis-broadcast.js'
import { redisLock } from '../../adapters/redis-lock.js'
import { redisStorage } from '../../adapters/redis-storage.js'
import { createTokenSession } from '../../session/create-token-session.js'

const [redisUrl, tokenUrl, clientId, apiOrigin, id, jwk, rounds] = process.argv.slice(2)
if (!redisUrl || !tokenUrl || !clientId || !apiOrigin || !id || !jwk || !rounds)
  throw new Error('usage: redis-dpop-worker.ts <redis> <token url> <client id> <api origin> <id> <private jwk> <rounds>')
const client = await createClient({ url: redisUrl }).connect()
const subscriber = client.duplicate()
await subscriber.connect()
const control = await createClient({ url: redisUrl }).connect()
const broadcast = redisBroadcast({ publisher: client, subscriber, channel: 'trm:dpop' })

// The key comes from the app's secret store (here: the command line), the same in every process.
const inspected: string[] = []
const keys = importedDpopKey(JSON.parse(jwk) as JsonWebKey)
const signed = dpopFetch({ keys: async () => (await keys.load({ scope: 'alice', grant: 'any' }))!, nonces: dpopNonces() })
const session = createTokenSession({
  tokenEndpoint: oauth2TokenEndpoint({ url: tokenUrl, clientId, fetch: signed }),
  fetch: signed,
  tokenType: 'DPoP',
  allowedOrigins: [apiOrigin],
  storage: redisStorage({ client, key: 'trm:dpop:alice' }),
  coordination: { lock: redisLock({ client, leaseMs: 5_000, retryDelayMs: 5 }), broadcast, name: 'alice' },
  refresh: { proactive: false, minInterval: 500 },
  // What an inspector would see, for the canary: each event's type, the event it carries, the context after it.
  inspect: (inspection) => {
    const { type, event, snapshot } = inspection as { type: string; event?: unknown; snapshot?: { context?: unknown } }
    inspected.push(JSON.stringify({ type, event, context: snapshot?.context }))
  },
})
const messages: string[] = []
session.on('warning', (warning) => messages.push(`${warning.code}: ${warning.message}`))
await new Promise<void>((resolve) => {
  const check = () => (session.actor.getSnapshot().matches('active') ? resolve() : setTimeout(check, 5))
  check()
})
await control.rPush('workers:ready', id)

for (let round = 0; round < Number(rounds); round++) {
  await control.blPop(`workers:go:${round}`, 20)
  const statuses = await Promise.all(
    Array.from({ length: 10 }, () =>
      session.fetch(`${apiOrigin}/data`).then(
        (response) => response.status,
        (error: Error) => {
          messages.push(`${error.name}: ${error.message}`)
          return error.name
        },
      ),
    ),
  )
  // What leaves the process for the test to read: statuses, the snapshot, messages; the canary looks in all of them.
  const snapshot = JSON.stringify(session.actor.getSnapshot())
  await control.rPush(`results:${round}`, JSON.stringify({ id, statuses, snapshot, messages, inspected: inspected.splice(0) }))
}
session.dispose()
await broadcast.close()
await Promise.all([client.close(), subscriber.close(), control.close()])
process.exit(0)
