import { afterAll, beforeAll, expect, test } from 'vitest'
import { graphqlUnauthenticated } from '../../index.js'
import { startGraphqlServer } from '../servers/graphql-server.js'
import { signedInSession, useRealWorld, waitForAccessTokenExpiry } from './real-world.js'

// Issue 11: an API that says "expired" with GraphQL's 200 + UNAUTHENTICATED, never a 401.
const world = useRealWorld()
let graph: Awaited<ReturnType<typeof startGraphqlServer>>
beforeAll(async () => {
  graph = await startGraphqlServer({ issuer: world.as.issuer, jwksUri: world.as.jwksUri, audience: world.as.resource })
})
afterAll(() => graph?.close())

const query = (session: { fetch: typeof fetch }) =>
  session
    .fetch(graph.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ me n }' }),
    })
    .then((response) => response.json() as Promise<{ data?: { me: string; n: number }; errors?: unknown[] }>)

test('50 concurrent queries with an expired token give one refresh, and all 50 get data', async () => {
  const { session, storage } = await signedInSession(world, {
    allowedOrigins: [world.api.origin, graph.origin],
    isTokenRejected: graphqlUnauthenticated,
  })
  await waitForAccessTokenExpiry(storage)

  const answers = await Promise.all(Array.from({ length: 50 }, () => query(session)))

  expect(answers.filter((answer) => answer.data?.me !== undefined)).toHaveLength(50)
  expect(answers.filter((answer) => answer.errors !== undefined)).toEqual([])
  expect(world.as.counts).toMatchObject({ refreshGrants: 1, refreshGrantsSucceeded: 1 })
  // Each query was sent twice: rejected with the dead token, answered on the replay.
  expect(graph.counts).toMatchObject({ queries: 100, unauthenticated: 50, answered: 50 })
})

test('without the predicate, the UNAUTHENTICATED answer goes to the caller as it is: a 200 is not a 401', async () => {
  const { session, storage } = await signedInSession(world, { allowedOrigins: [world.api.origin, graph.origin] })
  await waitForAccessTokenExpiry(storage)

  const answer = await query(session)

  expect(answer.errors).toHaveLength(1)
  expect(world.as.counts.refreshGrants).toBe(0)
})
