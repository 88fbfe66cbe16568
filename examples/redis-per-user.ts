/**
 * A server that calls an API on behalf of many users, several instances
 * behind a load balancer: one session per user, each with its own Redis key,
 * every instance on one Redis lock and one channel. The key is the scope:
 * sessions of one user share a grant across instances (one refresh per
 * expiry), and sessions of different users never read each other's messages.
 */
import { createClient } from 'redis'
import { createTokenSession, oauth2TokenEndpoint, redisBroadcast, redisLock, redisStorage, type TokenSession } from '../index.js'

const client = await createClient({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' }).connect()
const broadcast = redisBroadcast({ publisher: client, subscriber: await client.duplicate().connect() })
const lock = redisLock({ client })
const sessions = new Map<string, TokenSession>()

/** The session of `userId` in this instance, created on first use; it restores the user's grant from Redis. */
export function sessionOf(userId: string): TokenSession {
  let session = sessions.get(userId)
  if (session === undefined) {
    session = createTokenSession({
      tokenEndpoint: oauth2TokenEndpoint({
        url: 'https://auth.example.com/oauth/token',
        clientId: 'backend',
        clientSecret: process.env.CLIENT_SECRET ?? '',
        revocationUrl: 'https://auth.example.com/oauth/revoke',
      }),
      allowedOrigins: ['https://api.example.com'],
      // Scope `redis:trm:session:<userId>`: this user's slot, in every instance.
      storage: redisStorage({ client, key: `trm:session:${userId}`, ttlSeconds: 30 * 24 * 3600 }),
      coordination: { lock, broadcast },
    })
    sessions.set(userId, session)
  }
  return session
}

/** When a user logs out: every instance's session of that user follows, and no other user's is touched. */
export async function logOut(userId: string): Promise<void> {
  await sessionOf(userId).signOut()
  sessions.get(userId)?.dispose()
  sessions.delete(userId)
}
