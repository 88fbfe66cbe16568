import { afterEach, beforeEach, expect, test } from 'vitest'
import { createTokenSession, isInvalidTokenResponseError, isRefreshError, type TokenSet } from '../../index.js'
import { startFakeApi, type FakeApi } from '../support/fake-api.js'

// RFC 9449 §5, §7.1: a DPoP session sends `Authorization: DPoP`, and tokens of the other type are refused.
let api: FakeApi
beforeEach(async () => {
  api = await startFakeApi()
})
afterEach(() => api.close())

function sessionOf(tokenType: 'Bearer' | 'DPoP', refreshed: TokenSet) {
  return createTokenSession({
    tokenEndpoint: async () => refreshed,
    allowedOrigins: [api.origin],
    tokenType,
    refresh: { proactive: false, maxAttempts: 1 },
  })
}

test('a DPoP session sends its token with the DPoP scheme', async () => {
  const session = sessionOf('DPoP', { accessToken: 'next', tokenType: 'DPoP' })
  await session.signIn({ access_token: 'first', token_type: 'DPoP', expires_in: 60 })

  // The fake API knows only Bearer: what matters is the header it saw.
  await session.fetch(api.url('/data')).catch(() => {})

  expect(api.seen[0]?.authorization).toBe('DPoP first')
})

test('a DPoP session refuses Bearer tokens at sign-in, and a Bearer session refuses DPoP ones', async () => {
  const dpop = sessionOf('DPoP', { accessToken: 'next' })
  const bearer = sessionOf('Bearer', { accessToken: 'next' })

  const refusals = await Promise.all([
    dpop.signIn({ access_token: 'a', token_type: 'Bearer' }).catch((error: unknown) => error),
    bearer.signIn({ access_token: 'a', token_type: 'DPoP' }).catch((error: unknown) => error),
  ])

  for (const error of refusals) expect(isInvalidTokenResponseError(error)).toBe(true)
  expect((refusals[0] as Error).message).toContain('token_type is "Bearer", but the session sends "DPoP" tokens')
})

test('a refresh answering the wrong type is INVALID_RESPONSE, and nothing of it is used', async () => {
  const session = sessionOf('DPoP', { accessToken: 'bearer-token', refreshToken: 'rt-2' })
  await session.signIn({ access_token: 'first', refresh_token: 'rt-1', token_type: 'DPoP', expires_in: 60 })
  api.expireAccessTokens()

  const error = await session.fetch(api.url('/data')).then(
    (response) => response.status,
    (caught: unknown) => caught,
  )

  expect(isRefreshError(error) && error.code).toBe('INVALID_RESPONSE')
  expect(api.seen.map((request) => request.authorization)).not.toContain('DPoP bearer-token')
})
