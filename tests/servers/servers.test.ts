import { decodeJwt, decodeProtectedHeader } from 'jose'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'

import {
  startAuthorizationServer,
  startRecordingServer,
  startResourceServer,
  type AuthorizationServer,
  type RecordingServer,
  type ResourceServer,
} from './index.js'

let as: AuthorizationServer
let api: ResourceServer
let foreign: RecordingServer

beforeAll(async () => {
  // 2 s, not 1: exp is whole seconds, so a 1 s token can be dead milliseconds after issue.
  as = await startAuthorizationServer({ accessTokenTtlSeconds: 2 })
  api = await startResourceServer({ issuer: as.issuer, jwksUri: as.jwksUri, audience: as.resource })
  foreign = await startRecordingServer()
})

afterAll(async () => {
  await Promise.all([as?.close(), api?.close(), foreign?.close()])
})

beforeEach(() => {
  as.resetCounts()
  api.resetCounts()
  foreign.seen.length = 0
})

async function signIn(): Promise<{ accessToken: string; refreshToken: string }> {
  const response = await as.signIn()
  return { accessToken: String(response['access_token']), refreshToken: String(response['refresh_token']) }
}

/** The token request the library under test sends: no resource, no scope. */
async function refresh(refreshToken: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(as.tokenEndpoint, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: as.clientId }),
  })
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

function callApi(path: string, accessToken?: string, init: RequestInit = {}): Promise<Response> {
  const headers = accessToken === undefined ? {} : { authorization: `Bearer ${accessToken}` }
  return fetch(api.url + path, { ...init, headers })
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('authorization server', () => {
  it('signs in with PKCE and issues an at+jwt access token and a refresh token', async () => {
    const response = await as.signIn()

    expect(response).toMatchObject({ token_type: 'Bearer', expires_in: 2, scope: 'api:read' })
    expect(response['refresh_token']).toEqual(expect.any(String))
    const accessToken = String(response['access_token'])
    expect(decodeProtectedHeader(accessToken).typ).toBe('at+jwt')
    expect(decodeJwt(accessToken)).toMatchObject({ iss: as.issuer, aud: as.resource, sub: 'alice', client_id: 'spa' })
    expect(as.counts).toEqual({
      refreshGrants: 0,
      refreshGrantsSucceeded: 0,
      refreshGrantsFailed: 0,
      authorizationCodeGrants: 1,
      revocations: 0,
      nonceChallenges: 0,
    })
  })

  it('rotates the refresh token on every refresh and keeps issuing JWTs for the API', async () => {
    const first = await signIn()

    const second = await refresh(first.refreshToken)
    const third = await refresh(String(second.body['refresh_token']))

    expect([second.status, third.status]).toEqual([200, 200])
    expect(new Set([first.refreshToken, second.body['refresh_token'], third.body['refresh_token']]).size).toBe(3)
    const accessToken = String(third.body['access_token'])
    expect(decodeProtectedHeader(accessToken).typ).toBe('at+jwt')
    expect((await callApi('/data', accessToken)).status).toBe(200)
    expect(as.counts).toMatchObject({ refreshGrants: 2, refreshGrantsSucceeded: 2, refreshGrantsFailed: 0 })
  })

  it('revokes the whole grant when a rotated refresh token is reused', async () => {
    const { refreshToken: stale } = await signIn()
    const rotated = await refresh(stale)

    const reuse = await refresh(stale)
    const afterReuse = await refresh(String(rotated.body['refresh_token']))

    expect(reuse).toMatchObject({ status: 400, body: { error: 'invalid_grant' } })
    expect(afterReuse).toMatchObject({ status: 400, body: { error: 'invalid_grant' } })
    expect(as.counts).toEqual({
      refreshGrants: 3,
      refreshGrantsSucceeded: 1,
      refreshGrantsFailed: 2,
      authorizationCodeGrants: 1,
      revocations: 0,
      nonceChallenges: 0,
    })
  })

  it('refuses a refresh after revokeGrantOf', async () => {
    const { refreshToken } = await signIn()

    await as.revokeGrantOf(refreshToken)

    expect(await refresh(refreshToken)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } })
    expect(as.counts).toMatchObject({ refreshGrants: 1, refreshGrantsFailed: 1 })
  })

  it('counts requests to the revocation endpoint', async () => {
    const { refreshToken } = await signIn()

    const response = await fetch(as.revocationEndpoint, {
      method: 'POST',
      body: new URLSearchParams({ token: refreshToken, client_id: as.clientId }),
    })

    expect(response.status).toBe(200)
    expect(await refresh(refreshToken)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } })
    expect(as.counts).toMatchObject({ revocations: 1, refreshGrantsFailed: 1 })
  })

  it('refuses connections while paused and keeps its grants across resume', async () => {
    const { refreshToken } = await signIn()

    await as.pause()
    const whilePaused = await refresh(refreshToken).catch((error: unknown) => error)
    await as.resume()

    expect(whilePaused).toBeInstanceOf(TypeError)
    expect((whilePaused as TypeError).cause).toMatchObject({ code: 'ECONNREFUSED' })
    expect((await refresh(refreshToken)).status).toBe(200)
    expect(as.counts).toMatchObject({ refreshGrants: 1, refreshGrantsSucceeded: 1 })
  })
})

describe('resource server', () => {
  it('accepts a valid access token', async () => {
    const { accessToken } = await signIn()

    const response = await callApi('/data', accessToken)

    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ ok: true, sub: 'alice', n: expect.any(Number) as unknown })
    expect(api.counts).toEqual({ requests: 1, ok: 1, unauthorized: 0, forbidden: 0 })
  })

  it('asks for a token when none is sent', async () => {
    const response = await callApi('/data')

    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="api"')
  })

  it('rejects a garbage token with invalid_token', async () => {
    const response = await callApi('/data', 'not-a-jwt')

    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toMatch(
      /^Bearer realm="api", error="invalid_token", error_description="[^"\\]+"$/,
    )
    expect(api.counts).toEqual({ requests: 1, ok: 0, unauthorized: 1, forbidden: 0 })
  })

  it('rejects an access token once its lifetime has passed', async () => {
    const { accessToken } = await signIn()
    const { exp = 0 } = decodeJwt(accessToken)
    expect((await callApi('/data', accessToken)).status).toBe(200)

    await sleep(exp * 1000 - Date.now() + 50)
    const response = await callApi('/data', accessToken)

    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toBe(
      'Bearer realm="api", error="invalid_token", error_description="The access token expired"',
    )
  })

  it('answers 403 insufficient_scope for a scope tokens never carry', async () => {
    const { accessToken } = await signIn()

    const response = await callApi('/admin', accessToken)

    expect(response.status).toBe(403)
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="api", error="insufficient_scope", scope="api:admin"')
    expect(api.counts).toEqual({ requests: 1, ok: 0, unauthorized: 0, forbidden: 1 })
  })

  it('echoes a POST body', async () => {
    const { accessToken } = await signIn()

    const response = await callApi('/echo', accessToken, { method: 'POST', body: 'hello, body' })

    expect(response.status).toBe(200)
    expect(await response.text()).toBe('hello, body')
  })

  it('answers /slow after the requested delay', async () => {
    const { accessToken } = await signIn()
    const started = performance.now()

    const response = await callApi('/slow?ms=100', accessToken)

    expect(response.status).toBe(200)
    expect(performance.now() - started).toBeGreaterThanOrEqual(95)
  })

  it('redirects away to a foreign origin, where fetch arrives without the token', async () => {
    const { accessToken } = await signIn()
    const to = `${foreign.url}/landing?from=api`

    const manual = await callApi(`/redirect-away?to=${encodeURIComponent(to)}`, accessToken, { redirect: 'manual' })
    const followed = await callApi(`/redirect-away?to=${encodeURIComponent(to)}`, accessToken)

    expect(manual.status).toBe(302)
    expect(manual.headers.get('location')).toBe(to)
    expect(await followed.text()).toBe('ok')
    expect(foreign.seen).toEqual([{ path: '/landing?from=api', authorization: undefined }])
  })
})

describe('recording server', () => {
  it('records the authorization header of each request, or its absence', async () => {
    await fetch(`${foreign.url}/a`, { headers: { authorization: 'Bearer leaked' } })
    await fetch(`${foreign.url}/b`)

    expect(foreign.seen).toEqual([
      { path: '/a', authorization: 'Bearer leaked' },
      { path: '/b', authorization: undefined },
    ])
  })
})
