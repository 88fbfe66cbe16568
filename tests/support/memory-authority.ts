import { RefreshError } from '../../machines/errors.js'
import type { FetchFunction, TokenEndpoint } from '../../machines/ports.js'

export type RefreshMode = 'ok' | 'server_error' | 'invalid_grant'

/** One send a session made to the API, as the API saw it. */
export interface Send {
  /** The `x-request` header: which caller's request this was. */
  request: string
  /** The sign-in family of the token it carried, or undefined for an unknown token. */
  family: string | undefined
  status: number
}

/**
 * An authorization server and an API in memory, for runs too many for HTTP:
 * refresh-token rotation with reuse detection (presenting a rotated-away
 * refresh token revokes the whole family, as real servers do), revocation,
 * and a record of every send with the family of the token it carried.
 */
export function memoryAuthority() {
  let counter = 0
  const familyOf = new Map<string, string>()
  const liveAccess = new Set<string>()
  const liveRefresh = new Set<string>()
  const spentRefresh = new Set<string>()
  const revoked = new Set<string>()
  const sends: Send[] = []
  const modes: RefreshMode[] = []
  let reuses = 0

  function issue(family: string) {
    counter++
    const access = `at-${counter}`
    const refresh = `rt-${counter}`
    familyOf.set(access, family).set(refresh, family)
    liveAccess.add(access)
    liveRefresh.add(refresh)
    return { access_token: access, refresh_token: refresh, token_type: 'Bearer', expires_in: 300 }
  }

  const endpoint: TokenEndpoint = {
    async refresh(refreshToken) {
      await Promise.resolve()
      const family = familyOf.get(refreshToken) ?? 'unknown'
      const mode = modes.shift() ?? 'ok'
      if (mode === 'server_error') throw new RefreshError('503', { code: 'SERVER_ERROR', status: 503 })
      if (spentRefresh.has(refreshToken)) {
        // RFC 9700 §4.14.2: a reused refresh token revokes the grant.
        reuses++
        revoked.add(family)
      }
      if (mode === 'invalid_grant' || revoked.has(family) || !liveRefresh.has(refreshToken)) {
        throw new RefreshError('invalid_grant', { code: 'INVALID_GRANT', status: 400, oauthError: 'invalid_grant' })
      }
      liveRefresh.delete(refreshToken)
      spentRefresh.add(refreshToken)
      const next = issue(family)
      return { accessToken: next.access_token, refreshToken: next.refresh_token, expiresIn: next.expires_in }
    },
    async revoke(token) {
      await Promise.resolve()
      const family = familyOf.get(token)
      if (family !== undefined) revoked.add(family)
    },
  }

  const fetch: FetchFunction = async (input, init) => {
    await Promise.resolve()
    const request = new Request(input, init)
    const token = request.headers.get('authorization')?.slice('Bearer '.length) ?? ''
    const family = familyOf.get(token)
    const ok = liveAccess.has(token) && family !== undefined && !revoked.has(family)
    const status = ok ? 200 : 401
    sends.push({ request: request.headers.get('x-request') ?? '', family, status })
    return ok
      ? new Response('ok')
      : new Response(null, { status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token"' } })
  }

  return {
    endpoint,
    fetch,
    sends,
    /** A sign-in of `user`: a new family of tokens. */
    signIn: (user: string) => issue(`${user}#${counter + 1}`),
    familyOf: (token: string) => familyOf.get(token),
    /** Every access token issued so far dies, as at an expiry. */
    expire: () => liveAccess.clear(),
    /** How the next refreshes are answered, one each. */
    script: (...next: RefreshMode[]) => void modes.push(...next),
    clearScript: () => void (modes.length = 0),
    reuses: () => reuses,
  }
}

export type MemoryAuthority = ReturnType<typeof memoryAuthority>
