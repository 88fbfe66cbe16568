import { ConfigurationError } from '../../machines/errors.js'
import type { Awaitable } from '../../machines/ports.js'
import { objectStoreRunner } from '../indexed-db-store.js'
import { importDpopKeyPair, type DpopKeyPair } from './key-pair.js'

/** Whose key: the scope the sessions share, and the grant the key is bound to. */
export interface DpopKeySlot {
  scope: string
  grant: string
}

/**
 * Where the DPoP key pair of each grant lives (RFC 9449 §2): one key per
 * grant, shared by every session of its scope, so that whichever sibling
 * refreshes presents the key its refresh token is bound to. Every entry
 * carries its scope and grant, and `load` returns a key only for both.
 */
export interface DpopKeyStore {
  /** The key pair of `slot`, or undefined when there is none (never created, or cleared). */
  load(slot: DpopKeySlot): Awaitable<DpopKeyPair | undefined>
  /** Keeps `keys` as the key pair of `slot`. */
  save(slot: DpopKeySlot, keys: DpopKeyPair): Awaitable<void>
  /** Forgets the key pair of `slot`: at sign-out and expiry. */
  remove(slot: DpopKeySlot): Awaitable<void>
}

interface KeyRecord extends DpopKeySlot {
  keys: DpopKeyPair
}

const slotKey = ({ scope, grant }: DpopKeySlot) => `${scope}\n${grant}`
const holds = (record: unknown, slot: DpopKeySlot): record is KeyRecord =>
  typeof record === 'object' &&
  record !== null &&
  (record as KeyRecord).scope === slot.scope &&
  (record as KeyRecord).grant === slot.grant &&
  (record as KeyRecord).keys?.privateKey instanceof CryptoKey &&
  (record as KeyRecord).keys?.publicKey instanceof CryptoKey

/** Keys in this realm's memory: one process, or tests. Nothing persists. */
export function memoryDpopKeys(): DpopKeyStore {
  const records = new Map<string, KeyRecord>()
  return {
    load: (slot) => {
      const record = records.get(slotKey(slot))
      return holds(record, slot) ? record.keys : undefined
    },
    save: (slot, keys) => void records.set(slotKey(slot), { ...slot, keys }),
    remove: (slot) => void records.delete(slotKey(slot)),
  }
}

/**
 * One key the app supplies, for every grant: a P-256 private JWK from the
 * app's secret store, so that server processes sharing a grant (through
 * Redis) sign with the same key. `save` and `remove` change nothing: the key
 * outlives grants, and rotating it means supplying another and signing in again.
 */
export function importedDpopKey(privateJwk: JsonWebKey): DpopKeyStore {
  const imported = importDpopKeyPair(privateJwk)
  imported.catch(() => {}) // reported by load
  return { load: () => imported, save: () => {}, remove: () => {} }
}

export interface IndexedDbDpopKeysOptions {
  /**
   * The database name, apart from the tokens' own.
   * @default 'token-refresh-machine:dpop'
   */
  name?: string
  /** @default globalThis.indexedDB */
  indexedDB?: IDBFactory
}

/**
 * Keys in IndexedDB, shared by the tabs of an origin. A `CryptoKey` is
 * stored as itself (structured clone), so the private key stays
 * non-extractable there too: script of the origin can sign with it while it
 * runs, but cannot read it out and take it elsewhere.
 */
export function indexedDbDpopKeys(options: IndexedDbDpopKeysOptions = {}): DpopKeyStore {
  const factory = options.indexedDB ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB
  if (!factory) {
    throw new ConfigurationError('indexedDbDpopKeys() needs IndexedDB, which this environment lacks; pass `indexedDB`.')
  }
  const run = objectStoreRunner(factory, options.name ?? 'token-refresh-machine:dpop', 'keys')
  return {
    load: async (slot) => {
      const record = await run('readonly', (store) => store.get(slotKey(slot)) as IDBRequest<unknown>)
      return holds(record, slot) ? record.keys : undefined
    },
    save: (slot, keys) => run('readwrite', (store) => store.put({ ...slot, keys }, slotKey(slot))).then(() => undefined),
    remove: (slot) => run('readwrite', (store) => store.delete(slotKey(slot))),
  }
}
