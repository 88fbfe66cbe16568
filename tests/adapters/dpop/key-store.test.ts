import { exportJWK, generateKeyPair } from 'jose'
import { expect, test } from 'vitest'
import { dpopNonces, dpopThumbprint, generateDpopKeyPair, importedDpopKey, memoryDpopKeys } from '../../../adapters/dpop/index.js'

const alice = { scope: 'app', grant: 'grant-alice' }
const bob = { scope: 'app', grant: 'grant-bob' }

test('a memory key store gives a key only for its own scope and grant', async () => {
  const store = memoryDpopKeys()
  const keys = await generateDpopKeyPair()
  await store.save(alice, keys)

  expect(await store.load(alice)).toBe(keys)
  expect(await store.load(bob)).toBeUndefined()
  expect(await store.load({ scope: 'other-app', grant: alice.grant })).toBeUndefined()
  await store.remove(alice)
  expect(await store.load(alice)).toBeUndefined()
})

test('an imported key is the same key for every grant, in every process that imports it', async () => {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true })
  const jwk = await exportJWK(privateKey)
  const [first, second] = [importedDpopKey(jwk), importedDpopKey(jwk)]

  const thumbprints = await Promise.all(
    [first.load(alice), first.load(bob), second.load(alice)].map(async (keys) => dpopThumbprint((await keys)!)),
  )

  expect(new Set(thumbprints).size).toBe(1)
})

test('nonces are kept per origin, replaced by newer ones, and malformed ones are ignored', () => {
  const nonces = dpopNonces()
  const headers = (nonce: string | null) => ({ get: (name: string) => (name === 'dpop-nonce' ? nonce : null) })

  expect(nonces.heard('https://as.example.com/token', headers('n1'))).toBe(true)
  expect(nonces.heard('https://as.example.com/other', headers('n1'))).toBe(false) // same origin, same nonce
  expect(nonces.heard('https://api.example.com/data', headers('r1'))).toBe(true)
  expect(nonces.heard('https://as.example.com/token', headers('bad "nonce"'))).toBe(false)
  expect(nonces.heard('https://as.example.com/token', headers(null))).toBe(false)

  expect(nonces.for('https://as.example.com/x')).toBe('n1')
  expect(nonces.for('https://api.example.com/')).toBe('r1')
  expect(nonces.for('https://elsewhere.example.com/')).toBeUndefined()
  nonces.heard('https://as.example.com/token', headers('n2'))
  expect(nonces.for('https://as.example.com/')).toBe('n2')
})
