import type { Broadcast } from '../machines/ports.js'
import {
  redisCommands,
  subscribeTo,
  type IoRedisLike,
  type IoRedisSubscriberLike,
  type RedisLike,
  type RedisSubscriberLike,
} from './redis-like.js'

export interface RedisBroadcastOptions {
  /** A connected client that publishes, node-redis or ioredis; it may be shared with other work. */
  publisher: Pick<RedisLike, 'publish'> | Pick<IoRedisLike, 'publish' | 'status'>
  /**
   * A connected client dedicated to subscribing (node-redis:
   * `publisher.duplicate()`): a subscribed connection can send no other command.
   * One may serve several `redisBroadcast`s.
   */
  subscriber: RedisSubscriberLike | IoRedisSubscriberLike
  /**
   * The pub/sub channel. Messages carry their scope, so sessions of many
   * users and grants may share one channel; one per app keeps the traffic each
   * process parses small.
   * @default 'trm:broadcast'
   */
  channel?: string
  /**
   * Told when subscribing fails (the subscriber is not connected, say); the
   * listeners then hear nothing from the others.
   * @default console.error
   */
  onError?: (error: unknown) => void
}

/**
 * Tells the other processes of a scope that tokens changed or the session
 * started or ended, over Redis pub/sub, as JSON. Each instance tags what it
 * publishes with a random id and drops its own messages on the way back; the
 * session validates the rest for its scope. Delivery is at most once, to
 * whoever is subscribed at that moment: a process that was away re-reads the
 * storage under the lock at its next refresh.
 *
 * `tokens` travels as published: anyone who may subscribe to the channel
 * should be as trusted as the storage that keeps them. `close()` unsubscribes
 * but leaves both connections open: they are yours.
 *
 * @example
 * const publisher = await createClient({ url }).connect()
 * const broadcast = redisBroadcast({ publisher, subscriber: await publisher.duplicate().connect() })
 */
export function redisBroadcast(options: RedisBroadcastOptions): Broadcast {
  const { publisher, subscriber, channel = 'trm:broadcast', onError = console.error } = options
  const id = crypto.randomUUID()
  const redis = redisCommands(publisher)
  const listeners = new Set<(message: unknown) => void>()
  let subscribed: Promise<(() => Promise<unknown>) | undefined> | undefined

  const onMessage = (text: string) => {
    let envelope: unknown
    try {
      envelope = JSON.parse(text)
    } catch {
      return // Not JSON: not ours.
    }
    const { from, message } = (envelope ?? {}) as { from?: unknown; message?: unknown }
    // Delivered as received: the session validates every message for its scope.
    if (from === id || typeof from !== 'string') return
    for (const listener of listeners) listener(message)
  }

  return {
    publish: async (message) => {
      await redis.publish(channel, JSON.stringify({ from: id, message }))
    },
    subscribe(listener) {
      listeners.add(listener)
      // Subscribe on first use, not at creation: the connection may still be opening then.
      subscribed ??= subscribeTo(subscriber, channel, onMessage).catch((error: unknown) => {
        subscribed = undefined
        onError(error)
        return undefined
      })
      return () => void listeners.delete(listener)
    },
    async close() {
      listeners.clear()
      const unsubscribe = await subscribed
      subscribed = undefined
      await unsubscribe?.()
    },
  }
}
