import type { DpopKeyPair } from './key-pair.js'
import { dpopThumbprint, generateDpopKeyPair } from './key-pair.js'
import type { DpopKeyStore } from './key-store.js'
import { base64url } from './base64url.js'

/** What grant keys need of a session: its scope, the grant it holds now, and when a grant ends. A `TokenSession` is one. */
export interface GrantHolder {
  readonly scope: string
  readonly actor: { getSnapshot(): { context: { grant: string | null } } }
  on(type: 'signedOut' | 'expired', listener: () => void): () => void
  on(type: 'tokensChanged', listener: (event: { grant: string }) => void): () => void
}

/** A grant made ahead of the login: its id, its key, and the key's thumbprint. */
export interface PreparedGrant {
  /** Pass it on: `session.signIn(tokens, { grant })`. */
  grant: string
  /** Sign the code exchange with it: `dpopFetch({ keys })`. */
  keys: DpopKeyPair
  /** `dpop_jkt` for the authorization request (RFC 9449 §10), binding the code to this key. */
  jkt: string
}

export interface GrantKeys {
  /**
   * A new grant and its new key, kept in the store before the login: a
   * new key always means a new grant (RFC 9449 §2), and every sibling of the
   * scope finds the key under the grant it follows.
   */
  prepare(): Promise<PreparedGrant>
  /**
   * The key of the grant the session holds at this moment, for
   * `dpopFetch({ keys: grantKeys.current })`. Undefined when it has none or
   * the key is gone (site data cleared): the request then goes without a
   * proof, the API refuses it, and the next refresh presents a bound
   * refresh token without its key, which the authorization server refuses
   * (`invalid_grant`): the grant ends as expired, once, never a loop of
   * failing refreshes.
   */
  readonly current: () => Promise<DpopKeyPair | undefined>
  /** Follows `session`: the key of a grant that ended (signed out, expired, replaced) is removed from the store. */
  follow(session: GrantHolder): () => void
}

/**
 * One DPoP key per grant, shared by every session of its scope through
 * `store` (IndexedDB for the tabs of an origin, memory in one process).
 *
 * @example
 * const keys = grantKeys(indexedDbDpopKeys())
 * const signed = dpopFetch({ keys: keys.current })
 * const session = createTokenSession({ tokenEndpoint: oauth2TokenEndpoint({ url, clientId: 'spa', fetch: signed }), fetch: signed, tokenType: 'DPoP' })
 * keys.follow(session)
 * const login = await keys.prepare() // then: authorize with login.jkt, exchange the code with dpopFetch({ keys: login.keys })
 * await session.signIn(tokenResponseFromLogin, { grant: login.grant })
 */
export function grantKeys(store: DpopKeyStore): GrantKeys {
  let holder: GrantHolder | undefined
  const loading = new Map<string, Promise<DpopKeyPair | undefined>>()
  const slot = (grant: string) => ({ scope: holder!.scope, grant })

  return {
    async prepare() {
      if (holder === undefined) throw new Error('grantKeys: call follow(session) before prepare().')
      const grant = base64url(crypto.getRandomValues(new Uint8Array(16)))
      const keys = await generateDpopKeyPair()
      await store.save(slot(grant), keys)
      loading.set(grant, Promise.resolve(keys))
      return { grant, keys, jkt: await dpopThumbprint(keys) }
    },
    async current() {
      // Read at the moment of the request: the grant of the tokens it carries.
      const grant = holder?.actor.getSnapshot().context.grant
      if (grant == null) return undefined
      let keys = loading.get(grant)
      if (keys === undefined) {
        keys = Promise.resolve(store.load(slot(grant))).catch(() => undefined)
        loading.set(grant, keys)
      }
      const found = await keys
      if (found === undefined) loading.delete(grant) // look again next time: a sibling may be saving it
      return found
    },
    follow(session) {
      holder = session
      let held = session.actor.getSnapshot().context.grant
      const forget = (grant: string | null) => {
        if (grant === null) return
        loading.delete(grant)
        void Promise.resolve(store.remove(slot(grant))).catch(() => {})
      }
      const ended = () => {
        forget(held)
        held = null
      }
      const stops = [
        session.on('signedOut', ended),
        session.on('expired', ended),
        session.on('tokensChanged', ({ grant }) => {
          // Another grant replaced this one (a sign-in here or in a sibling): its key is of no use any more.
          if (held !== null && held !== grant) forget(held)
          held = grant
        }),
      ]
      return () => stops.forEach((stop) => stop())
    },
  }
}
