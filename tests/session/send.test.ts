import { afterEach, beforeEach, expect, test } from 'vitest'
import { graphqlUnauthenticated, statusCodes } from '../../session/token-rejection.js'
import { startFakeApi, type FakeApi } from '../support/fake-api.js'
import { settleOf, signedInSession } from '../support/session-harness.js'

// Issue 11: one core call any client can drive, and a configurable rejection signal.

let api: FakeApi
beforeEach(async () => {
  api = await startFakeApi()
})
afterEach(() => api.close())

/** An answer in the shape axios and many clients use: status and a plain header object. */
interface PlainAnswer {
  status: number
  headers: Record<string, string>
  data: unknown
}

async function plainGet(url: string, accessToken: string): Promise<PlainAnswer> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${accessToken}` } })
  return { status: response.status, headers: Object.fromEntries(response.headers), data: await response.text() }
}

test('send: ten concurrent rejections by a non-fetch client make one refresh and one replay each', async () => {
  const session = await signedInSession(api)
  api.expireAccessTokens()

  const answers = await Promise.all(
    Array.from({ length: 10 }, (_, i) => {
      const url = api.url(`/plain/${i}`)
      return session.send((token) => plainGet(url, token), { url })
    }),
  )

  expect(answers.map((answer) => answer.status)).toEqual(Array(10).fill(200))
  expect(api.refreshes).toEqual(['rt-1'])
  expect(api.seen).toHaveLength(20)
})

test('send refuses to hand the token to an origin off the allowlist', async () => {
  const session = await signedInSession(api)
  let called = false
  const result = await settleOf(
    session.send(
      async () => {
        called = true
        return 'sent'
      },
      { url: 'https://elsewhere.example/x' },
    ),
  )
  expect(result).toMatchObject({ ok: false, error: { name: 'ConfigurationError' } })
  expect(called).toBe(false)
})

test('a 403 with a body code refreshes when statusCodes([401, 403]) says so; the caller reads the body', async () => {
  const session = await signedInSession(api, { isTokenRejected: statusCodes([401, 403]) })
  api.expireAccessTokens()

  const response = await session.fetch(api.url('/legacy/1'))

  expect(response.status).toBe(200)
  expect(await response.json()).toMatchObject({ ok: true })
  expect(api.refreshes).toEqual(['rt-1'])
})

test('GraphQL 200 + UNAUTHENTICATED refreshes once with graphqlUnauthenticated; fifty concurrent queries, one refresh', async () => {
  const session = await signedInSession(api, { isTokenRejected: graphqlUnauthenticated })
  api.expireAccessTokens()

  const bodies = await Promise.all(
    Array.from({ length: 50 }, async (_, i): Promise<unknown> =>
      (await session.fetch(api.url(`/graphql/${i}`), { method: 'POST', body: '{}' })).json(),
    ),
  )

  expect(bodies.every((body) => (body as { data?: unknown }).data !== undefined)).toBe(true)
  expect(api.refreshes).toEqual(['rt-1'])
})

test('the predicate reads a clone: a GraphQL answer that is not a rejection reaches the caller with its body', async () => {
  const session = await signedInSession(api, { isTokenRejected: graphqlUnauthenticated })
  const response = await session.fetch(api.url('/graphql/fine'))
  expect(await response.json()).toEqual({ data: { path: '/graphql/fine' } })
  expect(api.refreshes).toEqual([])
})

test("auth: 'none' sends one call as it is: no token, no refresh", async () => {
  const session = await signedInSession(api)
  api.expireAccessTokens()

  const response = await session.fetch(api.url('/public'), { auth: 'none' })

  expect(response.status).toBe(401)
  expect(api.seen.at(-1)?.authorization).toBeUndefined()
  expect(api.refreshes).toEqual([])
})
