/**
 * The few Redis commands the Redis adapters send, in the shape of node-redis
 * (the `redis` package, v5 and later). Declared structurally so the adapters
 * import no client: pass your own connected one. Each adapter asks only for
 * what it uses (`redisLock`: `eval`; `redisStorage`: `get`, `set`, `del`;
 * `redisBroadcast`: `publish`, plus a `RedisSubscriberLike`), so a shim over
 * another client is a few lines, e.g. for ioredis:
 * `{ eval: (script, { keys, arguments: args }) => ioredis.eval(script, keys.length, ...keys, ...args) }`.
 *
 * @example
 * import { createClient } from 'redis'
 * const client = await createClient({ url: 'redis://127.0.0.1:6379' }).connect()
 * const lock = redisLock({ client })
 */
export interface RedisLike {
  /** Resolves the string, or `null` when the key does not exist. */
  get(key: string): Promise<unknown>
  set(key: string, value: string, options?: { expiration?: { type: 'EX'; value: number } }): Promise<unknown>
  del(key: string): Promise<unknown>
  /** Runs a Lua script atomically; resolves what the script returns (`'OK'`, `null`, integers). */
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>
  publish(channel: string, message: string): Promise<unknown>
}

/**
 * A connection in subscriber mode. Redis (RESP2) allows no other command on a
 * connection once it subscribes, so this is a dedicated one: with node-redis,
 * `client.duplicate()`, connected.
 */
export interface RedisSubscriberLike {
  subscribe(channel: string, listener: (message: string, channel: string) => void): Promise<unknown>
  unsubscribe(channel: string, listener: (message: string, channel: string) => void): Promise<unknown>
}
