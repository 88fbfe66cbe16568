import { decodeJwt } from 'jose'
import { expect, test } from 'vitest'
import {
  dpopFetch,
  dpopNonces,
  dpopThumbprint,
  generateDpopKeyPair,
  grantKeys,
  memoryDpopKeys,
  type DpopKeyPair,
} from '../../adapters/dpop/index.js'
import {
  callbackNavigation,
  createTokenSession,
  isRefreshError,
  memoryStorage,
  oauth2TokenEndpoint,
  type FetchFunction,
  type TokenSession,
} from '../../index.js'
import { startResourceServer } from '../servers/index.js'
import { useDpopWorld } from '../support/dpop-world.js'
import { sleep } from './real-world.js'

// Issue 13, first slice: one session, one key, against oidc-provider with DPoP and nonces required,
// and an API that verifies every proof with jose.
const world = useDpopWorld()

/** A DPoP session on the world's servers, proofs from `signed`, renewal on use only. */
function sessionSigningWith(signed: FetchFunction, storage = memoryStorage()) {
  const navigations: string[] = []
  const session = createTokenSession({
    tokenEndpoint: oauth2TokenEndpoint({ url: world.as.tokenEndpoint, clientId: world.as.clientId, fetch: signed }),
    fetch: signed,
    tokenType: 'DPoP',
    allowedOrigins: [world.api.origin],
    navigation: callbackNavigation(() => void navigations.push('login')),
    refresh: { proactive: false, minInterval: 500, maxAttempts: 1 },
    storage,
  })
  return { session, navigations }
}

/** A session whose token endpoint, login and API requests all sign with `keys`. */
async function dpopSession(keys: DpopKeyPair, signInKeys = keys) {
  const nonces = dpopNonces()
  const { session, navigations } = sessionSigningWith(dpopFetch({ keys, nonces }))
  const tokens = await world.as.signIn({ fetch: dpopFetch({ keys: signInKeys, nonces }) })
  await session.signIn(tokens)
  return { session, tokens, navigations }
}

/** Until the access token the session holds has expired at the server (its exp, whole seconds). */
async function untilExpired(session: TokenSession): Promise<void> {
  const { exp } = decodeJwt(await session.getAccessToken())
  await sleep(exp! * 1000 - Date.now() + 50)
}

test('3 expiries × 20 concurrent requests: all succeed, 1 refresh grant per expiry, no proof refused, no jti reused', async () => {
  const keys = await generateDpopKeyPair()
  const { session, tokens } = await dpopSession(keys)
  expect(tokens['token_type']).toBe('DPoP')
  const signInChallenges = world.as.counts.nonceChallenges
  world.as.resetCounts()

  const statuses: number[] = []
  for (let expiry = 0; expiry < 3; expiry++) {
    await untilExpired(session)
    const answers = await Promise.all(Array.from({ length: 20 }, () => session.fetch(`${world.api.url}/data`)))
    statuses.push(...answers.map((answer) => answer.status))
  }

  console.log(
    `dpop: 3 expiries × 20 requests: ${statuses.filter((status) => status === 200).length} × 200; ` +
      `refresh grants ${world.as.counts.refreshGrantsSucceeded} ok, ${world.as.counts.nonceChallenges} nonce rounds at the token endpoint ` +
      `(${signInChallenges} at sign-in); API: ${world.api.counts.requests} requests, ${world.api.counts.nonceChallenges} nonce rounds, ` +
      `${world.api.counts.tokenRejections} expired tokens, ${world.api.counts.proofRejections} proofs refused, ${world.api.counts.reusedJti} jti reused, ` +
      `${world.api.keysSeen.size} key`,
  )
  expect(statuses).toEqual(Array(60).fill(200))
  expect(world.as.counts.refreshGrantsSucceeded).toBe(3)
  // A refresh grant fails only to ask for a nonce, and is then sent once more.
  expect(world.as.counts.refreshGrantsFailed).toBe(world.as.counts.nonceChallenges)
  expect(world.api.counts).toMatchObject({ proofRejections: 0, reusedJti: 0 })
  // The API's nonce does not change here: one round, for the first request that lacked it.
  expect(world.api.counts.nonceChallenges).toBeLessThanOrEqual(20)
  expect([...world.api.keysSeen]).toEqual([await dpopThumbprint(keys)])
})

test('after the API rotates its nonce, a request is retried once with the new one: that is not a replay', async () => {
  const { session } = await dpopSession(await generateDpopKeyPair())
  expect((await session.fetch(`${world.api.url}/data`)).status).toBe(200)
  world.api.resetCounts()

  world.api.rotateNonce()
  const answer = await session.fetch(`${world.api.url}/data`)

  expect(answer.status).toBe(200)
  expect(world.api.counts).toMatchObject({ requests: 2, nonceChallenges: 1, ok: 1, proofRejections: 0 })
  expect(world.as.counts.refreshGrants).toBe(0)
})

test("proofs signed with a key other than the grant's: the API refuses them without a refresh, and the refresh ends the session once, no loop", async () => {
  const { session, navigations } = await dpopSession(await generateDpopKeyPair(), await generateDpopKeyPair())
  world.as.resetCounts()

  const answer = await session.fetch(`${world.api.url}/data`)
  expect(answer.status).toBe(401)
  expect(world.api.problems).toContain('key')
  expect(world.as.counts.refreshGrants).toBe(0) // invalid_dpop_proof does not blame the token (RFC 9449 §7.1)

  await untilExpired(session)
  const refused = await session.fetch(`${world.api.url}/data`).catch((error: unknown) => error)
  const again = await session.fetch(`${world.api.url}/data`).catch((error: unknown) => error)

  console.log(
    `dpop, wrong key: first answer ${answer.status}; after expiry: ${(refused as Error).name}, then ${(again as Error).name}; refresh grants ${world.as.counts.refreshGrants}, navigations ${navigations.length}`,
  )
  expect(isRefreshError(refused) || (refused as Error).name === 'SessionExpiredError').toBe(true)
  expect((again as Error).name).toMatch(/SessionExpiredError|NotSignedInError/)
  expect(navigations).toEqual(['login'])
  expect(world.as.counts.refreshGrantsSucceeded).toBe(0)
})

/** A session whose DPoP key follows its grant: made before each login, removed when the grant ends. */
function grantKeyedSession(store = memoryDpopKeys(), storage = memoryStorage()) {
  const keys = grantKeys(store)
  const nonces = dpopNonces()
  const { session, navigations } = sessionSigningWith(dpopFetch({ keys: keys.current, nonces }), storage)
  keys.follow(session)
  const signIn = async () => {
    const login = await keys.prepare()
    await session.signIn(await world.as.signIn({ fetch: dpopFetch({ keys: login.keys, nonces }) }), { grant: login.grant })
    return login
  }
  return { session, store, storage, signIn, navigations }
}

test('a key per grant: made before the login, kept under the grant, removed at sign-out; the next grant has a new key', async () => {
  const { session, store, signIn } = grantKeyedSession()
  const first = await signIn()
  expect(session.actor.getSnapshot().context.grant).toBe(first.grant)
  expect((await session.fetch(`${world.api.url}/data`)).status).toBe(200)
  await untilExpired(session)
  expect((await session.fetch(`${world.api.url}/data`)).status).toBe(200) // refreshed with the grant's key

  await session.signOut()
  await expect.poll(() => store.load({ scope: session.scope, grant: first.grant })).toBeUndefined()

  const second = await signIn()
  expect((await session.fetch(`${world.api.url}/data`)).status).toBe(200)
  expect(second.jkt).not.toBe(first.jkt)
  expect([...world.api.keysSeen].sort()).toEqual([first.jkt, second.jkt].sort())
  expect(world.as.counts).toMatchObject({ refreshGrantsSucceeded: 1 })
  expect(world.api.counts).toMatchObject({ proofRejections: 0, reusedJti: 0 })
})

test('a grant whose key is gone ends as expired at its next refresh, once: no loop of failing refreshes', async () => {
  const before = grantKeyedSession()
  const login = await before.signIn()
  before.session.dispose()
  // The keys were cleared, the tokens were not (site data cleared in part, say); the page loads again.
  await before.store.remove({ scope: before.session.scope, grant: login.grant })
  const { session, navigations } = grantKeyedSession(before.store, before.storage)
  await expect.poll(() => session.actor.getSnapshot().context.grant).toBe(login.grant)
  world.as.resetCounts()

  await untilExpired(session)
  const outcomes = await Promise.all(
    Array.from({ length: 5 }, () =>
      session.fetch(`${world.api.url}/data`).then(
        (response) => response.status,
        (error: Error) => error.name,
      ),
    ),
  )
  const later = await session.fetch(`${world.api.url}/data`).catch((error: Error) => error.name)

  console.log(
    `dpop, key gone: ${outcomes.join(', ')}, then ${typeof later === 'string' ? later : later.status}; refresh grants ${world.as.counts.refreshGrants}, navigations ${navigations.length}`,
  )
  expect(outcomes.every((outcome) => outcome === 401 || outcome === 'SessionExpiredError')).toBe(true)
  expect(later).toBe('SessionExpiredError')
  // The token was never sent without its proof: the API saw nothing.
  expect(world.api.counts.requests).toBe(0)
  expect(world.as.counts.refreshGrantsSucceeded).toBe(0)
  expect(world.as.counts.refreshGrants - world.as.counts.nonceChallenges).toBe(1)
  expect(navigations).toEqual(['login'])
})

test('an API marked Bearer-only gets the token as Bearer and no proof; the DPoP API still gets proofs', async () => {
  const bearerApi = await startResourceServer({ issuer: world.as.issuer, jwksUri: world.as.jwksUri, audience: world.as.resource })
  try {
    const keys = await generateDpopKeyPair()
    const nonces = dpopNonces()
    const signed = dpopFetch({ keys, nonces, bearerOnlyOrigins: [bearerApi.origin] })
    const session = createTokenSession({
      tokenEndpoint: oauth2TokenEndpoint({ url: world.as.tokenEndpoint, clientId: world.as.clientId, fetch: signed }),
      fetch: signed,
      tokenType: 'DPoP',
      allowedOrigins: [world.api.origin, bearerApi.origin],
      refresh: { proactive: false },
    })
    await session.signIn(await world.as.signIn({ fetch: dpopFetch({ keys, nonces }) }))

    const [bearer, dpop] = await Promise.all([session.fetch(`${bearerApi.url}/data`), session.fetch(`${world.api.url}/data`)])

    // The Bearer API accepts only `Authorization: Bearer`; the DPoP one only a token with a valid proof.
    expect([bearer.status, dpop.status]).toEqual([200, 200])
    expect(bearerApi.counts).toMatchObject({ requests: 1, ok: 1, unauthorized: 0 })
    expect(world.api.counts).toMatchObject({ ok: 1, proofRejections: 0 })
  } finally {
    await bearerApi.close()
  }
})
