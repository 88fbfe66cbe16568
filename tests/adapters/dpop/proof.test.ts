import { createHash } from 'node:crypto'
import { calculateJwkThumbprint, decodeProtectedHeader, EmbeddedJWK, exportJWK, generateKeyPair, jwtVerify } from 'jose'
import { expect, test } from 'vitest'
import {
  createDpopProof,
  dpopThumbprint,
  generateDpopKeyPair,
  importDpopKeyPair,
  proofTarget,
} from '../../../adapters/dpop/index.js'
import { isConfigurationError } from '../../../index.js'

// RFC 9449 §4: every proof is checked by jose the way a server checks it.
async function verify(proof: string) {
  return jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: ['ES256'] })
}

test('a proof is a dpop+jwt signed with ES256, carrying the public key and the claims of RFC 9449 §4.2', async () => {
  const keys = await generateDpopKeyPair()
  const proof = await createDpopProof(
    keys,
    { method: 'post', url: 'https://as.example.com/token?x=1#frag' },
    () => 1_700_000_000_500,
  )

  const { payload, protectedHeader } = await verify(proof)

  expect(protectedHeader).toMatchObject({ typ: 'dpop+jwt', alg: 'ES256', jwk: { kty: 'EC', crv: 'P-256' } })
  expect(Object.keys(protectedHeader.jwk!).sort()).toEqual(['crv', 'kty', 'x', 'y']) // no `d`, ever
  const { jti, ...claims } = payload
  expect(jti).toMatch(/^[\w-]{22}$/) // 16 random bytes
  expect(claims).toEqual({ htm: 'POST', htu: 'https://as.example.com/token', iat: 1_700_000_000 })
  expect(await calculateJwkThumbprint(protectedHeader.jwk!)).toBe(await dpopThumbprint(keys))
})

test('on a resource request, ath is the SHA-256 of the access token, and the nonce is carried as given', async () => {
  const keys = await generateDpopKeyPair()
  const accessToken = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl'
  const proof = await createDpopProof(keys, { method: 'GET', url: 'https://api.example.com/data', accessToken, nonce: 'n-1' })

  const { payload } = await verify(proof)

  expect(payload['ath']).toBe(createHash('sha256').update(accessToken, 'ascii').digest('base64url'))
  expect(payload['nonce']).toBe('n-1')
})

test('1,000 proofs never share a jti', async () => {
  const keys = await generateDpopKeyPair()
  const proofs = await Promise.all(
    Array.from({ length: 1000 }, () => createDpopProof(keys, { method: 'GET', url: 'https://api.example.com/' })),
  )
  const ids = await Promise.all(proofs.map(async (proof) => (await verify(proof)).payload.jti))
  expect(new Set(ids).size).toBe(1000)
})

test('a generated private key cannot be exported', async () => {
  const keys = await generateDpopKeyPair()
  expect(keys.privateKey.extractable).toBe(false)
  await expect(crypto.subtle.exportKey('jwk', keys.privateKey)).rejects.toThrow()
})

test('an imported key signs proofs its public key verifies, and stays unexportable', async () => {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true })
  const keys = await importDpopKeyPair(await exportJWK(privateKey))
  const proof = await createDpopProof(keys, { method: 'GET', url: 'https://api.example.com/' })

  expect(await calculateJwkThumbprint(decodeProtectedHeader(proof).jwk!)).toBe(
    await calculateJwkThumbprint(await exportJWK(publicKey)),
  )
  expect(keys.privateKey.extractable).toBe(false)
})

test('a key that is not a P-256 private JWK is a ConfigurationError', async () => {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true })
  const rsa = await exportJWK(privateKey)
  const { publicKey } = await generateKeyPair('ES256', { extractable: true })
  for (const jwk of [rsa, await exportJWK(publicKey), {}]) {
    const error = await importDpopKeyPair(jwk).catch((caught: unknown) => caught)
    expect(isConfigurationError(error)).toBe(true)
  }
})

test('htu drops query and fragment and keeps the rest as the URL parser normalises it', () => {
  expect(proofTarget('HTTPS://API.Example.com:443/a/../b?q=1#f')).toBe('https://api.example.com/b')
  expect(proofTarget(new URL('http://127.0.0.1:8080/token'))).toBe('http://127.0.0.1:8080/token')
})
