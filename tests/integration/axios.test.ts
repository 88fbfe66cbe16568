import axios, { AxiosError } from 'axios'
import { expect, test } from 'vitest'
import { isSessionExpiredError } from '../../index.js'
import { withTokenSession } from '../../integrations/axios.js'
import { signedInSession, useRealWorld, waitForAccessTokenExpiry } from './real-world.js'

// Issue 11: axios through the session, against the real authorization server and API.
const world = useRealWorld()

async function apiClient() {
  const signedIn = await signedInSession(world, { refresh: { proactive: false } })
  return { ...signedIn, client: withTokenSession(axios.create({ baseURL: world.api.url }), signedIn.session) }
}

test('100 concurrent 401s give exactly one refresh grant, and all 100 succeed', async () => {
  const { client, storage } = await apiClient()
  await waitForAccessTokenExpiry(storage)

  const responses = await Promise.all(Array.from({ length: 100 }, () => client.get<{ ok: boolean }>('/data')))

  expect(responses.map((response) => response.status)).toEqual(Array(100).fill(200))
  expect(world.as.counts).toMatchObject({ refreshGrants: 1, refreshGrantsSucceeded: 1 })
  expect(world.api.counts).toMatchObject({ requests: 200, unauthorized: 100, ok: 100 })
})

test.each([
  ['JSON', { hello: 'world', n: 1 }, 'application/json'],
  ['URLSearchParams', new URLSearchParams({ a: '1', b: 'two' }), 'application/x-www-form-urlencoded'],
  [
    'FormData',
    (() => {
      const form = new FormData()
      form.set('field', 'value')
      return form
    })(),
    'multipart/form-data',
  ],
])('a %s POST body is identical on both sends', async (_, data, type) => {
  const { client, storage } = await apiClient()
  await waitForAccessTokenExpiry(storage)

  const response = await client.post<string>('/echo', data, { responseType: 'text' })

  expect(response.status).toBe(200)
  expect(world.api.echoes).toHaveLength(2)
  const [first, replay] = world.api.echoes.map(withoutBoundary)
  expect(first?.contentType).toContain(type)
  expect(replay).toEqual(first)
  expect(first?.body).toContain(type === 'multipart/form-data' ? 'value' : type === 'application/json' ? 'world' : 'b=two')
})

/** A multipart body with its boundary blanked: axios draws a new boundary for every send; the parts must be the same. */
function withoutBoundary(echo: { contentType: string | undefined; body: string }) {
  const boundary = /boundary=(.+)$/.exec(echo.contentType ?? '')?.[1]
  if (boundary === undefined) return echo
  return { contentType: echo.contentType?.replace(boundary, 'B'), body: echo.body.replaceAll(boundary, 'B') }
}

test('an axios signal aborts a request waiting for the refresh, without cancelling the refresh', async () => {
  const { client, storage, tokenEndpoint } = await apiClient()
  await waitForAccessTokenExpiry(storage)
  const release = tokenEndpoint.hold()
  const controller = new AbortController()
  const waiting = client.get('/data', { signal: controller.signal }).catch((error: unknown) => error)
  const other = client.get('/data')
  await new Promise((resolve) => setTimeout(resolve, 100))

  controller.abort()
  const aborted = await waiting
  release()

  expect(axios.isCancel(aborted)).toBe(true)
  expect((await other).status).toBe(200)
  expect(world.as.counts).toMatchObject({ refreshGrants: 1, refreshGrantsSucceeded: 1 })
})

test('a 403 is never refreshed: it comes back as an AxiosError with its response', async () => {
  const { client } = await apiClient()

  const error = await client.get('/admin').catch((caught: unknown) => caught)

  expect(error).toBeInstanceOf(AxiosError)
  expect((error as AxiosError).response?.status).toBe(403)
  expect(world.as.counts.refreshGrants).toBe(0)
})

test('a foreign origin never gets the token: not by an absolute URL, not by a baseURL and a relative one', async () => {
  const { session } = await apiClient()
  const foreignClient = withTokenSession(axios.create({ baseURL: world.foreign.url }), session)

  await foreignClient.get('/relative')
  await foreignClient.get(`${world.foreign.url}/absolute`)

  expect(world.foreign.seen).toEqual([
    { path: '/relative', authorization: undefined },
    { path: '/absolute', authorization: undefined },
  ])
})

test("errors keep axios's shape; the library's typed error is the cause", async () => {
  const { client, session } = await apiClient()
  await session.signOut()

  const error = await client.get('/data').catch((caught: unknown) => caught)

  expect(error).toBeInstanceOf(AxiosError)
  expect((error as AxiosError).code).toBe('NOT_SIGNED_IN')
  expect(isSessionExpiredError((error as AxiosError).cause)).toBe(false)
  expect((error as { cause?: { name?: string } }).cause?.name).toBe('NotSignedInError')
})
