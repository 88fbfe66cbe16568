/**
 * `token-refresh-machine/dpop`: the parts of sender-constrained tokens (RFC
 * 9449): ES256 key pairs that cannot be exported, their stores (memory,
 * IndexedDB shared by tabs, one imported key shared by processes), proofs,
 * thumbprints and the per-origin nonce cache. Nothing here reaches the main entry.
 */
export { createDpopProof, proofTarget, type DpopProofFor } from './proof.js'
export {
  dpopThumbprint,
  generateDpopKeyPair,
  importDpopKeyPair,
  publicJwkOf,
  type DpopKeyPair,
  type DpopPublicJwk,
} from './key-pair.js'
export {
  importedDpopKey,
  indexedDbDpopKeys,
  memoryDpopKeys,
  type DpopKeySlot,
  type DpopKeyStore,
  type IndexedDbDpopKeysOptions,
} from './key-store.js'
export { dpopNonces, type DpopNonces } from './nonces.js'
export { dpopFetch, type DpopFetchOptions } from './dpop-fetch.js'
export { grantKeys, type GrantHolder, type GrantKeys, type PreparedGrant } from './grant-keys.js'
