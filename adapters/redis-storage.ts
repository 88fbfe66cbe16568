import { ConfigurationError } from '../machines/errors.js'
import type { TokenStorage } from '../machines/ports.js'
import { redisCommands, type IoRedisLike, type RedisLike } from './redis-like.js'

export interface RedisStorageOptions {
  /** A connected client, node-redis or ioredis. */
  client: Pick<RedisLike, 'get' | 'set' | 'del'> | Pick<IoRedisLike, 'get' | 'set' | 'del' | 'status'>
  /**
   * The one key this session lives under: namespace it per user and
   * authorization server, e.g. `trm:session:${userId}`.
   */
  key: string
  /**
   * Lets Redis forget a session nobody refreshed for this long, counted from
   * the last save. Set it no shorter than the refresh token's lifetime.
   * @default undefined (kept until cleared)
   */
  ttlSeconds?: number
}

/**
 * Keeps a session in one Redis key as JSON, shared by every process that
 * serves the same user: its scope is `redis:<key>`, so sessions on one key
 * share a grant and sessions on other keys never interact. Reads and writes are single commands, so a process
 * that loads under `redisLock` sees what the previous holder saved before it
 * released. Whatever `load` finds is returned as parsed JSON, or as the raw
 * string when it is not JSON: the session validates and discards bad records.
 *
 * @example
 * const storage = redisStorage({ client, key: `trm:session:${user.id}`, ttlSeconds: 30 * 24 * 3600 })
 */
export function redisStorage(options: RedisStorageOptions): TokenStorage {
  const { client, key, ttlSeconds } = options
  if (!key) throw new ConfigurationError('redisStorage: `key` must name the session, e.g. `trm:session:<user>`.')
  if (ttlSeconds !== undefined && !(Number.isSafeInteger(ttlSeconds) && ttlSeconds > 0)) {
    throw new ConfigurationError('redisStorage: `ttlSeconds` must be a positive whole number of seconds.')
  }
  const redis = redisCommands(client)
  return {
    scope: `redis:${key}`,
    async load() {
      const text = await redis.get(key)
      if (typeof text !== 'string') return null
      try {
        return JSON.parse(text) as unknown
      } catch {
        return text
      }
    },
    async save(tokens) {
      const json = JSON.stringify(tokens)
      await redis.set(key, json, ttlSeconds)
    },
    async clear() {
      await redis.del(key)
    },
  }
}
