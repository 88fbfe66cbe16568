// The two Redis clients the adapters accept, connected the same way for the workers.
import { Redis } from 'ioredis'
import { createClient } from 'redis'
import type { IoRedisLike, IoRedisSubscriberLike, RedisLike, RedisSubscriberLike } from '../../adapters/redis-like.js'

export const redisClientKinds = ['node-redis', 'ioredis'] as const
export type RedisClientKind = (typeof redisClientKinds)[number]

/** A command connection and a subscriber connection, of `kind`; `close` ends both. */
export async function connectRedis(kind: RedisClientKind, url: string) {
  if (kind === 'ioredis') {
    const client = new Redis(url)
    const subscriber = client.duplicate()
    return {
      client: client as IoRedisLike & Redis,
      subscriber: subscriber as IoRedisSubscriberLike,
      close: async () => void (await Promise.all([client.quit(), subscriber.quit()])),
    }
  }
  const client = await createClient({ url }).connect()
  const subscriber = await client.duplicate().connect()
  return {
    client: client as unknown as RedisLike,
    subscriber: subscriber as unknown as RedisSubscriberLike,
    close: async () => void (await Promise.all([client.close(), subscriber.close()])),
  }
}
