import { afterEach, expect, test, vi } from 'vitest'
import { broadcastChannel } from '../../adapters/broadcast-channel.js'
import { indexedDbStorage } from '../../adapters/indexed-db-storage.js'
import { redisLock } from '../../adapters/redis-lock.js'
import { redisStorage } from '../../adapters/redis-storage.js'
import { webLocks } from '../../adapters/web-locks.js'

afterEach(() => {
  vi.unstubAllGlobals()
})

const client = {
  get: () => Promise.resolve(null),
  set: () => Promise.resolve('OK'),
  del: () => Promise.resolve(0),
  eval: () => Promise.resolve(1),
}
/** Runs `create`, which must throw a ConfigurationError whose message names what to fix. */
function expectConfigurationError(create: () => unknown, message: RegExp): void {
  let thrown: unknown
  try {
    create()
  } catch (error) {
    thrown = error
  }
  expect(thrown).toMatchObject({ name: 'ConfigurationError', code: 'INVALID_CONFIGURATION' })
  expect((thrown as Error).message).toMatch(message)
}

test('webLocks refuses to be created without a LockManager, rather than refresh unlocked', () => {
  vi.stubGlobal('navigator', {}) // an insecure context: no navigator.locks
  expectConfigurationError(() => webLocks(), /navigator\.locks/)
})

test('broadcastChannel needs BroadcastChannel or localStorage', () => {
  vi.stubGlobal('localStorage', undefined)
  expectConfigurationError(() => broadcastChannel({ BroadcastChannel: null }), /storageFallback/)
})

test('indexedDbStorage needs IndexedDB', () => {
  vi.stubGlobal('indexedDB', undefined)
  expectConfigurationError(() => indexedDbStorage(), /IndexedDB/)
})

test('redisLock rejects a lease that is not a positive whole number, and a retry delay that is not positive', () => {
  expectConfigurationError(() => redisLock({ client, leaseMs: 0 }), /leaseMs/)
  expectConfigurationError(() => redisLock({ client, leaseMs: Number.NaN }), /leaseMs/)
  expectConfigurationError(() => redisLock({ client, leaseMs: 1.5 }), /leaseMs/)
  expectConfigurationError(() => redisLock({ client, retryDelayMs: -1 }), /retryDelayMs/)
})

test('redisStorage needs a key and a whole, positive ttl', () => {
  expectConfigurationError(() => redisStorage({ client, key: '' }), /key/)
  expectConfigurationError(() => redisStorage({ client, key: 'trm:session:alice', ttlSeconds: 1.5 }), /ttlSeconds/)
  expectConfigurationError(() => redisStorage({ client, key: 'trm:session:alice', ttlSeconds: 0 }), /ttlSeconds/)
})
