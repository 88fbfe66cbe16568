import type { Adapter, AdapterFactory, AdapterPayload } from 'oidc-provider'

/** Models whose entries are tied to a grant and must go when the grant is revoked. */
const GRANTABLE = new Set(['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest'])

interface Entry {
  payload: AdapterPayload
  expiresAt: number
}

/**
 * A storage adapter for oidc-provider that keeps everything in one `Map` per call.
 *
 * Why not the bundled MemoryAdapter: it is a module-level LRU capped at 1000 entries shared by
 * every provider in the process, so a long test could silently evict a live grant or refresh
 * token, and it prints a "development-only" warning on every start. This one is unbounded,
 * belongs to a single authorization server, and dies with it.
 */
export function createInMemoryAdapter(): AdapterFactory {
  const entries = new Map<string, Entry>()
  const keysOfGrant = new Map<string, Set<string>>()
  const idsByIndex = new Map<string, string>()

  const read = (key: string): AdapterPayload | undefined => {
    const entry = entries.get(key)
    if (entry === undefined) return undefined
    if (entry.expiresAt <= Date.now()) {
      entries.delete(key)
      return undefined
    }
    return entry.payload
  }

  return (model: string): Adapter => {
    const keyOf = (id: string) => `${model}:${id}`
    const findByIndex = async (index: string) => {
      const id = idsByIndex.get(index)
      return id === undefined ? undefined : read(keyOf(id))
    }

    return {
      async upsert(id, payload, expiresIn) {
        const key = keyOf(id)
        entries.set(key, { payload, expiresAt: Date.now() + expiresIn * 1000 })
        if (GRANTABLE.has(model) && payload.grantId !== undefined) {
          const keys = keysOfGrant.get(payload.grantId) ?? new Set<string>()
          keysOfGrant.set(payload.grantId, keys.add(key))
        }
        if (model === 'Session' && payload.uid !== undefined) idsByIndex.set(`uid:${payload.uid}`, id)
        if (payload.userCode !== undefined) idsByIndex.set(`userCode:${payload.userCode}`, id)
      },
      async find(id) {
        return read(keyOf(id))
      },
      async findByUid(uid) {
        return findByIndex(`uid:${uid}`)
      },
      async findByUserCode(userCode) {
        return findByIndex(`userCode:${userCode}`)
      },
      async consume(id) {
        const payload = read(keyOf(id))
        if (payload !== undefined) payload.consumed = Math.floor(Date.now() / 1000)
      },
      async destroy(id) {
        entries.delete(keyOf(id))
      },
      async revokeByGrantId(grantId) {
        for (const key of keysOfGrant.get(grantId) ?? []) entries.delete(key)
        keysOfGrant.delete(grantId)
      },
    }
  }
}
