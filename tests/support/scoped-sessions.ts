import { inProcessLock } from '../../adapters/in-process-lock.js'
import { memoryStorage } from '../../adapters/memory-storage.js'
import { oauth2TokenEndpoint } from '../../adapters/oauth2-token-endpoint.js'
import type { Broadcast, Lock, TokenStorage } from '../../machines/ports.js'
import { createTokenSession, type TokenSession, type TokenSessionOptions } from '../../session/create-token-session.js'
import type { FakeApi } from './fake-api.js'

/** A storage slot that other sessions (tabs, processes) reach too: memory, but with a shared scope. */
export function sharedSlot(scope: string): TokenStorage & { scope: string } {
  return { ...memoryStorage(), scope }
}

/** A session of `storage`'s scope, against the fake API, on a lock and channel shared with others. */
export function scopedSession(
  api: FakeApi,
  parts: { storage: TokenStorage; lock?: Lock; broadcast?: Broadcast },
  options: Partial<TokenSessionOptions> = {},
): TokenSession {
  return createTokenSession({
    tokenEndpoint: oauth2TokenEndpoint({ url: api.tokenUrl, clientId: 'spa', revocationUrl: api.revokeUrl }),
    allowedOrigins: [api.origin],
    storage: parts.storage,
    coordination: { lock: parts.lock ?? inProcessLock(), ...(parts.broadcast ? { broadcast: parts.broadcast } : {}) },
    ...options,
  })
}

/** The sign-in families (users) of every token `path`'s requests carried, in order. */
export function familiesSeen(api: FakeApi, path: string): Array<string | undefined> {
  return api.seen
    .filter((request) => request.path.startsWith(path))
    .map((request) => api.familyOf(request.authorization?.slice('Bearer '.length) ?? ''))
}
