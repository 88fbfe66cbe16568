/**
 * The few Redis commands the Redis adapters send, from either of the two
 * common clients: node-redis (the `redis` package, v5 and later) or ioredis
 * (v5 and later). Declared structurally so the adapters import no client:
 * pass your own connected one, and each adapter asks only for what it uses
 * (`redisLock`: `eval`; `redisStorage`: `get`, `set`, `del`;
 * `redisBroadcast`: `publish`, plus a subscriber connection).
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

/** The same commands as ioredis spells them (`new Redis(url)`). */
export interface IoRedisLike {
  /** ioredis reports its connection state here: how it is told from node-redis. */
  readonly status: string
  get(key: string): Promise<unknown>
  set(key: string, value: string): Promise<unknown>
  set(key: string, value: string, secondsToken: 'EX', seconds: number): Promise<unknown>
  del(key: string): Promise<unknown>
  eval(script: string, numberOfKeys: number, ...keysAndArguments: string[]): Promise<unknown>
  publish(channel: string, message: string): Promise<unknown>
}

/**
 * A connection in subscriber mode. Redis (RESP2) allows no other command on a
 * connection once it subscribes, so this is a dedicated one: with node-redis,
 * `client.duplicate()`, connected; with ioredis, `redis.duplicate()`.
 */
export interface RedisSubscriberLike {
  subscribe(channel: string, listener: (message: string, channel: string) => void): Promise<unknown>
  unsubscribe(channel: string, listener: (message: string, channel: string) => void): Promise<unknown>
}

/** An ioredis subscriber: `subscribe` takes only channels, messages arrive as `message` events. */
export interface IoRedisSubscriberLike {
  readonly status: string
  subscribe(channel: string): Promise<unknown>
  unsubscribe(channel: string): Promise<unknown>
  on(event: 'message', listener: (channel: string, message: string) => void): unknown
  off(event: 'message', listener: (channel: string, message: string) => void): unknown
}

/** Either client, connected. */
export type RedisClient = RedisLike | IoRedisLike

const isIoRedis = (client: object): boolean => typeof (client as { status?: unknown }).status === 'string'

/** The commands in one shape, whichever client was given. */
export interface RedisCommands {
  get(key: string): Promise<unknown>
  set(key: string, value: string, ttlSeconds?: number): Promise<unknown>
  del(key: string): Promise<unknown>
  eval(script: string, keys: string[], args: string[]): Promise<unknown>
  publish(channel: string, message: string): Promise<unknown>
}

/** Adapts `client` to `RedisCommands`: node-redis is passed through, ioredis spelled its way. */
export function redisCommands(client: Partial<RedisClient>): RedisCommands {
  if (isIoRedis(client)) {
    const io = client as IoRedisLike
    return {
      get: (key) => io.get(key),
      set: (key, value, ttl) => (ttl === undefined ? io.set(key, value) : io.set(key, value, 'EX', ttl)),
      del: (key) => io.del(key),
      eval: (script, keys, args) => io.eval(script, keys.length, ...keys, ...args),
      publish: (channel, message) => io.publish(channel, message),
    }
  }
  const node = client as RedisLike
  return {
    get: (key) => node.get(key),
    set: (key, value, ttl) =>
      ttl === undefined ? node.set(key, value) : node.set(key, value, { expiration: { type: 'EX', value: ttl } }),
    del: (key) => node.del(key),
    eval: (script, keys, args) => node.eval(script, { keys, arguments: args }),
    publish: (channel, message) => node.publish(channel, message),
  }
}

/** Subscribes `listener` to `channel` on either kind of subscriber; resolves the unsubscribe function. */
export async function subscribeTo(
  subscriber: RedisSubscriberLike | IoRedisSubscriberLike,
  channel: string,
  listener: (message: string) => void,
): Promise<() => Promise<unknown>> {
  if (isIoRedis(subscriber)) {
    const io = subscriber as IoRedisSubscriberLike
    const onMessage = (from: string, message: string) => from === channel && listener(message)
    io.on('message', onMessage)
    await io.subscribe(channel)
    return () => {
      io.off('message', onMessage)
      return io.unsubscribe(channel)
    }
  }
  const node = subscriber
  const onMessage = (message: string) => listener(message)
  await node.subscribe(channel, onMessage)
  return () => node.unsubscribe(channel, onMessage)
}
