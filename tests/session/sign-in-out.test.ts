import { afterEach, beforeEach, expect, test } from 'vitest'
import { oauth2TokenEndpoint } from '../../adapters/oauth2-token-endpoint.js'
import { InvalidTokenResponseError, NotSignedInError } from '../../machines/errors.js'
import { createTokenSession } from '../../session/create-token-session.js'
import { startFakeApi, type FakeApi } from '../support/fake-api.js'
import { createHttpTestServer, readBody } from '../support/http-test-server.js'
import { settleOf, signedInSession, stateOf, waitForState } from '../support/session-harness.js'

let api: FakeApi
beforeEach(async () => {
  api = await startFakeApi()
})
afterEach(() => api.close())

test('requests before any sign-in reject with NotSignedInError and send nothing', async () => {
  const session = createTokenSession({ tokenEndpoint: async () => ({ accessToken: 'x' }), allowedOrigins: [api.origin] })

  const result = await settleOf(session.fetch(api.url('/data')))

  expect(result.ok ? undefined : result.error).toBeInstanceOf(NotSignedInError)
  expect(api.seen).toHaveLength(0)
})

test.each([
  [{ access_token: '', token_type: 'Bearer' }],
  [{ access_token: 'a b', token_type: 'Bearer' }],
  [{ access_token: 'abc', token_type: 'mac' }],
  [{ access_token: 'abc', token_type: 'Bearer', expires_in: -5 }],
  [{ accessToken: 42 }],
])('signIn refuses an invalid token response %j and stores nothing', async (tokens) => {
  const session = createTokenSession({ tokenEndpoint: async () => ({ accessToken: 'x' }), allowedOrigins: [api.origin] })

  await expect(session.signIn(tokens as never)).rejects.toBeInstanceOf(InvalidTokenResponseError)
  await waitForState(session, 'signedOut')
})

test('signIn accepts the camelCase token set too', async () => {
  const session = createTokenSession({ tokenEndpoint: async () => ({ accessToken: 'x' }), allowedOrigins: [api.origin] })
  const { access_token, refresh_token } = api.issue()
  await session.signIn({ accessToken: access_token, refreshToken: refresh_token, expiresIn: 60 })

  expect((await session.fetch(api.url('/data'))).status).toBe(200)
})

test('signOut rejects waiting requests, clears storage and discards a refresh that lands later', async () => {
  const session = await signedInSession(api)
  api.expireAccessTokens()
  const release = api.hold()
  const waiting = settleOf(session.fetch(api.url('/data')))
  await waitForState(session, 'refreshing')

  await session.signOut()
  release()

  expect(await waiting).toMatchObject({ ok: false, error: { name: 'NotSignedInError' } })
  await new Promise((resolve) => setTimeout(resolve, 50))
  expect(stateOf(session)).toBe('signedOut')
  expect(session.actor.getSnapshot().context.hasRefreshToken).toBe(false)
  expect(await settleOf(session.fetch(api.url('/data')))).toMatchObject({ ok: false, error: { name: 'NotSignedInError' } })
})

test('signOut revokes the refresh token at the server (RFC 7009)', async () => {
  const revoked: string[] = []
  const revocation = await createHttpTestServer(async (request, response) => {
    revoked.push(await readBody(request))
    response.writeHead(200).end()
  })
  const session = await signedInSession(api, {
    tokenEndpoint: oauth2TokenEndpoint({ url: api.tokenUrl, clientId: 'spa', revocationUrl: revocation.url('/revoke') }),
  })

  await session.signOut()

  expect(revoked).toHaveLength(1)
  expect(Object.fromEntries(new URLSearchParams(revoked[0]))).toEqual({
    token: 'rt-1',
    token_type_hint: 'refresh_token',
    client_id: 'spa',
  })
  await revocation.close()
})

test('a failed revocation is a warning; the local sign-out still happens', async () => {
  const session = await signedInSession(api, {
    tokenEndpoint: oauth2TokenEndpoint({ url: api.tokenUrl, clientId: 'spa', revocationUrl: 'http://127.0.0.1:1/revoke' }),
  })
  const warnings: string[] = []
  session.on('warning', (warning) => warnings.push(warning.code))

  await session.signOut()
  await new Promise((resolve) => setTimeout(resolve, 0))

  expect(stateOf(session)).toBe('signedOut')
  expect(warnings).toEqual(['REVOCATION_FAILED'])
})
