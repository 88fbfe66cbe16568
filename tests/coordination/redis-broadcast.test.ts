import { createClient, type RedisClientType } from 'redis'
import { afterAll, afterEach, beforeAll, beforeEach, expect, test } from 'vitest'
import { redisBroadcast } from '../../adapters/redis-broadcast.js'
import type { Broadcast } from '../../machines/ports.js'
import { startRedisServer, type RedisServer } from '../support/redis-server.js'

const CHANNEL = 'trm:broadcast'
let server: RedisServer
let publisher: RedisClientType
let connections: RedisClientType[]
let broadcasts: Broadcast[]
beforeAll(async () => {
  server = await startRedisServer()
}, 300_000) // may install redis-server first
afterAll(() => server?.stop())

beforeEach(async () => {
  publisher = await createClient({ url: server.url }).connect()
  connections = []
  broadcasts = []
})
afterEach(async () => {
  await Promise.all(broadcasts.map(async (broadcast) => broadcast.close()))
  await Promise.all([publisher, ...connections].map((connection) => connection.close()))
})

/** A dedicated subscriber connection, as pub/sub requires. */
async function subscriberConnection(): Promise<RedisClientType> {
  const connection = await publisher.duplicate().connect()
  connections.push(connection)
  return connection
}

/** A broadcast whose received messages are collected in `inbox`. */
function member(subscriber: RedisClientType) {
  const broadcast = redisBroadcast({ publisher, subscriber })
  broadcasts.push(broadcast)
  const inbox: unknown[] = []
  const unsubscribe = broadcast.subscribe((message) => inbox.push(message))
  return { broadcast, inbox, unsubscribe }
}

async function subscribedConnections(count: number): Promise<void> {
  await expect.poll(async () => (await publisher.pubSubNumSub(CHANNEL))[CHANNEL]).toBe(count)
}

const scope = 'redis:trm:session:alice'
const grant = 'test-grant-0000000001'
const tokens = {
  version: 2,
  scope,
  grant,
  accessToken: 'at-2',
  refreshToken: 'rt-2',
  expiresAt: 1_900_000_000_000,
  generation: 2,
} as const
const changed = (generation: number) => ({ type: 'tokens.changed', scope, grant, generation }) as const
const ended = { type: 'session.ended', scope, grant, reason: 'signedOut' } as const

test('a message reaches every other process, with its tokens, and not the sender', async () => {
  const [a, b, c] = [
    member(await subscriberConnection()),
    member(await subscriberConnection()),
    member(await subscriberConnection()),
  ]
  await subscribedConnections(3)

  await a.broadcast.publish({ ...changed(2), tokens })
  // Redis delivers in order per connection: once A hears B's later message, it would have heard its own.
  await b.broadcast.publish(ended)

  await expect.poll(() => a.inbox.length).toBe(1)
  await expect.poll(() => c.inbox.length).toBe(2)
  expect(a.inbox).toEqual([ended])
  expect(b.inbox).toEqual([{ ...changed(2), tokens }])
  expect(c.inbox).toEqual([{ ...changed(2), tokens }, ended])
})

test('two broadcasts sharing one subscriber connection still hear each other and not themselves', async () => {
  const shared = await subscriberConnection()
  const [a, b] = [member(shared), member(shared)]
  await subscribedConnections(1)

  await a.broadcast.publish(changed(5))
  await b.broadcast.publish(changed(6))

  await expect.poll(() => [a.inbox.length, b.inbox.length]).toEqual([1, 1])
  expect(a.inbox).toEqual([changed(6)])
  expect(b.inbox).toEqual([changed(5)])
})

test("only framed messages from another process arrive, as sent: validating them is the session's job", async () => {
  const listener = member(await subscriberConnection())
  await subscribedConnections(1)
  const from = 'another-process'

  for (const text of [
    'not json',
    'null',
    JSON.stringify(changed(1)), // no envelope
    JSON.stringify({ message: changed(1) }), // no sender id
    JSON.stringify({ from, message: { type: 'tokens.changed', generation: -1 } }), // framed: the session will drop it
    JSON.stringify({ from, message: changed(7) }),
  ]) {
    await publisher.publish(CHANNEL, text)
  }
  await listener.broadcast.publish(changed(8)) // its own: dropped
  await publisher.publish(CHANNEL, JSON.stringify({ from, message: changed(9) }))

  await expect.poll(() => listener.inbox.length).toBe(3)
  expect(listener.inbox).toEqual([{ type: 'tokens.changed', generation: -1 }, changed(7), changed(9)])
})

test('an unsubscribed listener hears nothing more, and close() leaves the channel', async () => {
  const subscriber = await subscriberConnection()
  const { broadcast, inbox, unsubscribe } = member(subscriber)
  const other = redisBroadcast({ publisher, subscriber })
  const otherInbox: unknown[] = []
  other.subscribe((message) => otherInbox.push(message))
  await subscribedConnections(1)

  unsubscribe()
  await publisher.publish(CHANNEL, JSON.stringify({ from: 'x', message: changed(1) }))
  await expect.poll(() => otherInbox.length).toBe(1)
  expect(inbox).toEqual([])

  await Promise.all([broadcast.close(), other.close()])
  await subscribedConnections(0)
  expect(subscriber.isOpen).toBe(true) // the connection is the caller's to close
})
