import { ConfigurationError } from '../../machines/errors.js'
import { sha256 } from './base64url.js'

/**
 * A DPoP key pair (RFC 9449 §2): ECDSA P-256, ES256. The private key signs
 * proofs and is made with `extractable: false`, so script can use it but
 * never read it; a `CryptoKey` survives structured cloning (IndexedDB,
 * `postMessage`) and stays non-extractable.
 */
export interface DpopKeyPair {
  privateKey: CryptoKey
  publicKey: CryptoKey
}

/** The public half as a JWK, only the members RFC 7638 §3.2 keeps, in their order. */
export interface DpopPublicJwk {
  crv: 'P-256'
  kty: 'EC'
  x: string
  y: string
}

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const

/** A new key pair whose private key cannot be exported. */
export async function generateDpopKeyPair(): Promise<DpopKeyPair> {
  return crypto.subtle.generateKey(ALGORITHM, false, ['sign', 'verify'])
}

/**
 * Imports a private key the app keeps elsewhere (a secret store), as a
 * P-256 JWK with `d`, so that several processes sharing one grant sign with
 * one key. The imported private key is not extractable either.
 */
export async function importDpopKeyPair(privateJwk: JsonWebKey): Promise<DpopKeyPair> {
  const { kty, crv, x, y, d } = privateJwk
  if (kty !== 'EC' || crv !== 'P-256' || typeof x !== 'string' || typeof y !== 'string' || typeof d !== 'string') {
    throw new ConfigurationError(
      'A DPoP key must be an EC P-256 private JWK (kty "EC", crv "P-256", with "d"): ES256 is what the library signs with.',
    )
  }
  const privateKey = await crypto.subtle.importKey('jwk', { kty, crv, x, y, d }, ALGORITHM, false, ['sign'])
  const publicKey = await crypto.subtle.importKey('jwk', { kty, crv, x, y }, ALGORITHM, true, ['verify'])
  return { privateKey, publicKey }
}

/** The public key as it goes in a proof's `jwk` header (RFC 9449 §4.2): no private member, ever. */
export async function publicJwkOf(keys: DpopKeyPair): Promise<DpopPublicJwk> {
  const { x, y } = await crypto.subtle.exportKey('jwk', keys.publicKey)
  if (typeof x !== 'string' || typeof y !== 'string') throw new ConfigurationError('The DPoP public key is not an EC P-256 key.')
  return { crv: 'P-256', kty: 'EC', x, y }
}

/**
 * The JWK SHA-256 thumbprint (RFC 7638): what `cnf.jkt` binds a token to
 * (RFC 9449 §6), and what `dpop_jkt` sends to the authorization endpoint (§10).
 */
export async function dpopThumbprint(keys: DpopKeyPair): Promise<string> {
  const { crv, kty, x, y } = await publicJwkOf(keys)
  // RFC 7638 §3.3: the required members only, in lexicographic order, no whitespace.
  return sha256(JSON.stringify({ crv, kty, x, y }))
}
