import { createHash, randomBytes } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { calculateJwkThumbprint, createRemoteJWKSet, EmbeddedJWK, jwtVerify, type JWTPayload } from 'jose'
import { closeServer, listenOnLoopback, originOf } from './loopback.js'

/** What the API refused, and why, since start or `resetCounts()`. */
export interface DpopResourceCounts {
  requests: number
  ok: number
  /** 401 `use_dpop_nonce`: a proof without the API's current nonce (RFC 9449 §9). */
  nonceChallenges: number
  /** 401 `invalid_dpop_proof`: a bad signature, typ, htm, htu, iat, ath, a reused jti, or a key that is not the token's. */
  proofRejections: number
  /** 401 `invalid_token`: an expired or invalid access token. */
  tokenRejections: number
  /** Proofs whose jti had been seen before (also counted in proofRejections). */
  reusedJti: number
}

/** One reason a proof was refused, for tests that look at them. */
export type ProofProblem = 'missing' | 'signature' | 'htm' | 'htu' | 'iat' | 'jti' | 'ath' | 'key'

/** Seconds a proof's iat may be off from the server's clock (RFC 9449 §11.1: a short window). */
const IAT_WINDOW = 60

/**
 * An API on loopback that accepts only DPoP-bound access tokens (RFC 9449 §7):
 * `Authorization: DPoP <token>` plus a proof that jose verifies: its
 * signature with the embedded key, `typ`, `htm`, `htu`, the `iat` window,
 * `jti` never seen before, `ath`, the nonce this API gave, and the token's
 * `cnf.jkt` against the proof key's thumbprint. `GET /data` answers
 * `{ ok, sub, jkt }`.
 */
export async function startDpopResourceServer(options: { issuer: string; jwksUri: string; audience: string; cors?: boolean }) {
  const keys = createRemoteJWKSet(new URL(options.jwksUri))
  await keys.reload()
  const counts: DpopResourceCounts = {
    requests: 0,
    ok: 0,
    nonceChallenges: 0,
    proofRejections: 0,
    tokenRejections: 0,
    reusedJti: 0,
  }
  const problems: ProofProblem[] = []
  const seenJti = new Set<string>()
  /** Thumbprints of the keys whose proofs were accepted. */
  const keysSeen = new Set<string>()
  let nonce = randomBytes(16).toString('base64url')

  async function check(
    request: IncomingMessage,
    url: string,
  ): Promise<{ status: number; body: string; headers: Record<string, string> }> {
    const refuse = (error: string, problem?: ProofProblem) => {
      if (problem !== undefined) problems.push(problem)
      return {
        status: 401,
        body: '',
        headers: { 'www-authenticate': `DPoP algs="ES256", error="${error}"`, 'dpop-nonce': nonce },
      }
    }
    const token = /^DPoP +(\S+)$/i.exec(request.headers.authorization ?? '')?.[1]
    const proof = request.headers['dpop']
    if (token === undefined || typeof proof !== 'string') {
      counts.proofRejections++
      return refuse('invalid_request', 'missing')
    }
    let claims: JWTPayload
    let thumbprint: string
    try {
      const verified = await jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: ['ES256'] })
      claims = verified.payload
      thumbprint = await calculateJwkThumbprint(verified.protectedHeader.jwk!)
    } catch {
      counts.proofRejections++
      return refuse('invalid_dpop_proof', 'signature')
    }
    const problem: ProofProblem | undefined =
      claims['htm'] !== request.method
        ? 'htm'
        : claims['htu'] !== url
          ? 'htu'
          : typeof claims.iat !== 'number' || Math.abs(claims.iat - Date.now() / 1000) > IAT_WINDOW
            ? 'iat'
            : typeof claims.jti !== 'string' || seenJti.has(claims.jti)
              ? 'jti'
              : claims['ath'] !== createHash('sha256').update(token, 'ascii').digest('base64url')
                ? 'ath'
                : undefined
    if (problem === 'jti') counts.reusedJti++
    if (problem !== undefined) {
      counts.proofRejections++
      return refuse('invalid_dpop_proof', problem)
    }
    seenJti.add(claims.jti!)
    if (claims['nonce'] !== nonce) {
      counts.nonceChallenges++
      return refuse('use_dpop_nonce')
    }
    let access: JWTPayload
    try {
      ;({ payload: access } = await jwtVerify(token, keys, { issuer: options.issuer, audience: options.audience, typ: 'at+jwt' }))
    } catch {
      counts.tokenRejections++
      return refuse('invalid_token')
    }
    // RFC 9449 §6.1: the token is bound to the key whose thumbprint is cnf.jkt.
    if ((access['cnf'] as { jkt?: unknown } | undefined)?.jkt !== thumbprint) {
      counts.proofRejections++
      return refuse('invalid_dpop_proof', 'key')
    }
    keysSeen.add(thumbprint)
    counts.ok++
    return {
      status: 200,
      body: JSON.stringify({ ok: true, sub: access.sub, jkt: thumbprint }),
      headers: { 'content-type': 'application/json' },
    }
  }

  const server = await listenOnLoopback((request, response) => {
    // CORS for loopback pages: the proof and the token may be sent, the nonce and the challenge read (RFC 9449 §9).
    const from = request.headers.origin
    if (options.cors === true && from !== undefined && /^http:\/\/127\.0\.0\.1(:\d+)?$/.test(from)) {
      response.setHeader('access-control-allow-origin', from)
      response.setHeader('access-control-expose-headers', 'DPoP-Nonce, WWW-Authenticate')
      if (request.method === 'OPTIONS') {
        response
          .writeHead(204, { 'access-control-allow-headers': 'Authorization, DPoP', 'access-control-allow-methods': 'GET' })
          .end()
        return
      }
    }
    counts.requests++
    const origin = originOf(server)
    const url = new URL(request.url ?? '/', origin)
    void check(request, `${origin}${url.pathname}`).then(({ status, body, headers }) =>
      response.writeHead(status, headers).end(body),
    )
  })
  return {
    url: originOf(server),
    origin: originOf(server),
    counts,
    problems,
    keysSeen,
    /** A new nonce, as a server rotating them would: the next proof with the old one is challenged. */
    rotateNonce: () => void (nonce = randomBytes(16).toString('base64url')),
    resetCounts: () => {
      Object.assign(counts, { requests: 0, ok: 0, nonceChallenges: 0, proofRejections: 0, tokenRejections: 0, reusedJti: 0 })
      problems.length = 0
      keysSeen.clear()
    },
    close: () => closeServer(server),
  }
}

export type DpopResourceServer = Awaited<ReturnType<typeof startDpopResourceServer>>
