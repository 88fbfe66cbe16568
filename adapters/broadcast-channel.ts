import { ConfigurationError } from '../machines/errors.js'
import type { Broadcast } from '../machines/ports.js'

/** Web storage plus where its `storage` events arrive: `localStorage` and `window`. */
export interface StorageEventCarrier {
  storage: Pick<Storage, 'setItem' | 'removeItem'>
  events: Pick<EventTarget, 'addEventListener' | 'removeEventListener'>
}

export interface BroadcastChannelOptions {
  /**
   * The channel name, and the storage key of the fallback. Namespace it per
   * app and authorization server when several share one origin.
   * @default 'token-refresh-machine'
   */
  name?: string
  /**
   * The `BroadcastChannel` constructor; `null` forces the storage fallback.
   * @default globalThis.BroadcastChannel
   */
  BroadcastChannel?: typeof BroadcastChannel | null
  /**
   * Used only without `BroadcastChannel`: each message is written under a key
   * and removed at once, and the other tabs receive the `storage` event.
   * @default { storage: globalThis.localStorage, events: globalThis }
   */
  storageFallback?: StorageEventCarrier
}

/**
 * Tells the other tabs of an origin that tokens changed or the session
 * started or ended, over `BroadcastChannel` (structured clone, in memory,
 * same origin only). Where that is missing it falls back to `storage` events,
 * and then strips `tokens` from the messages: web storage is written to disk
 * and readable by any script of the origin, and a sibling re-reads the
 * storage instead. Messages carry their scope, so one channel may serve many
 * scopes; the session validates what arrives. A tab never receives its own.
 *
 * @example
 * createTokenSession({ ...options, coordination: { lock: webLocks(), broadcast: broadcastChannel({ name: 'myapp:auth' }) } })
 */
export function broadcastChannel(options: BroadcastChannelOptions = {}): Broadcast {
  const name = options.name ?? 'token-refresh-machine'
  const listeners = new Set<(message: unknown) => void>()
  // Delivered as received: the session validates every message for its scope.
  const deliver = (data: unknown) => {
    for (const listener of listeners) listener(data)
  }

  const Channel = options.BroadcastChannel === undefined ? globalThis.BroadcastChannel : options.BroadcastChannel
  if (Channel) {
    const channel = new Channel(name)
    channel.onmessage = (event) => deliver(event.data)
    return {
      publish: (message) => channel.postMessage(message),
      subscribe: (listener) => (listeners.add(listener), () => void listeners.delete(listener)),
      close: () => {
        listeners.clear()
        channel.close()
      },
    }
  }

  const fallback = options.storageFallback ?? defaultCarrier()
  if (!fallback) {
    throw new ConfigurationError('broadcastChannel() found neither BroadcastChannel nor localStorage; pass `storageFallback`.')
  }
  const key = `${name}:message`
  const onStorage = (event: Event) => {
    const { key: changed, newValue } = event as StorageEvent
    // The removal that follows each write fires an event too, with no value.
    if (changed !== key || newValue === null) return
    try {
      deliver((JSON.parse(newValue) as { message?: unknown }).message)
    } catch {
      // Not JSON: not ours.
    }
  }
  fallback.events.addEventListener('storage', onStorage)
  return {
    publish: (message) => {
      const { tokens: _secret, ...metadata } = message as typeof message & { tokens?: unknown }
      // A storage event fires only on a change: the nonce makes equal messages (from any tab) differ.
      const nonce = Math.random().toString(36).slice(2)
      fallback.storage.setItem(key, JSON.stringify({ nonce, message: metadata }))
      fallback.storage.removeItem(key)
    },
    subscribe: (listener) => (listeners.add(listener), () => void listeners.delete(listener)),
    close: () => {
      listeners.clear()
      fallback.events.removeEventListener('storage', onStorage)
    },
  }
}

function defaultCarrier(): StorageEventCarrier | undefined {
  try {
    // Reading localStorage throws where storage is blocked (sandboxed iframes, some privacy settings).
    const storage = (globalThis as { localStorage?: Storage }).localStorage
    return storage && typeof globalThis.addEventListener === 'function' ? { storage, events: globalThis } : undefined
  } catch {
    return undefined
  }
}
