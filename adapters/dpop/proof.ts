import { base64url, base64urlText, sha256 } from './base64url.js'
import { publicJwkOf, type DpopKeyPair } from './key-pair.js'

/** What one proof is for (RFC 9449 §4.2). */
export interface DpopProofFor {
  /** The request's method. */
  method: string
  /** The request's URL; the proof carries it without query and fragment. */
  url: string | URL
  /** On a resource request: the access token, whose hash becomes `ath`. */
  accessToken?: string
  /** The server's latest `DPoP-Nonce` for this origin, when it asked for one (§8, §9). */
  nonce?: string
}

/** `htu` (RFC 9449 §4.2): the target URI without query and fragment. */
export function proofTarget(url: string | URL): string {
  const target = new URL(url)
  target.search = ''
  target.hash = ''
  return target.href
}

/**
 * A fresh DPoP proof JWT (RFC 9449 §4.2): header `typ: dpop+jwt`, `alg:
 * ES256` and the public `jwk`; claims `jti` (16 random bytes, never reused),
 * `htm`, `htu`, `iat`, and `ath` and `nonce` when given. Signed with the
 * key pair's private key, which never leaves WebCrypto.
 */
export async function createDpopProof(keys: DpopKeyPair, proof: DpopProofFor, now: () => number = Date.now): Promise<string> {
  const header = { typ: 'dpop+jwt', alg: 'ES256', jwk: await publicJwkOf(keys) }
  const claims: Record<string, string | number> = {
    jti: base64url(crypto.getRandomValues(new Uint8Array(16))),
    htm: proof.method.toUpperCase(),
    htu: proofTarget(proof.url),
    iat: Math.floor(now() / 1000),
  }
  // RFC 9449 §4.2: ath is the base64url SHA-256 of the ASCII access token.
  if (proof.accessToken !== undefined) claims['ath'] = await sha256(proof.accessToken)
  if (proof.nonce !== undefined) claims['nonce'] = proof.nonce
  const input = `${base64urlText(JSON.stringify(header))}.${base64urlText(JSON.stringify(claims))}`
  // WebCrypto's ECDSA signature is r || s, 64 bytes: exactly the JWS form (RFC 7518 §3.4).
  const signature = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, keys.privateKey, new TextEncoder().encode(input))
  return `${input}.${base64url(signature)}`
}
