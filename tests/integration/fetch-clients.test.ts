import ky, { HTTPError } from 'ky'
import createClient from 'openapi-fetch'
import { expect, test } from 'vitest'
import { signedInSession, useRealWorld, waitForAccessTokenExpiry } from './real-world.js'

// Issue 11: clients that take a custom fetch need no adapter: they take session.fetch.
const world = useRealWorld()

/** The API's few routes, as openapi-typescript would generate them. */
interface Paths {
  '/data': { get: { responses: { 200: { content: { 'application/json': { ok: boolean; n: number } } } } } }
  '/echo': {
    post: {
      requestBody: { content: { 'application/json': { hello: string } } }
      responses: { 200: { content: { 'text/plain': string } } }
    }
  }
}

test('ky: 50 concurrent 401s, one refresh; a 403 is an HTTPError and never refreshes', async () => {
  const { session, storage } = await signedInSession(world)
  const api = ky.create({ prefixUrl: world.api.url, fetch: session.fetch, retry: 0 })
  await waitForAccessTokenExpiry(storage)

  const answers = await Promise.all(Array.from({ length: 50 }, () => api.get('data').json<{ ok: boolean }>()))
  const echoed = await api.post('echo', { json: { hello: 'ky' } }).text()
  const forbidden = await api.get('admin').catch((error: unknown) => error)

  expect(answers.every((answer) => answer.ok)).toBe(true)
  expect(world.as.counts).toMatchObject({ refreshGrants: 1, refreshGrantsSucceeded: 1 })
  expect(echoed).toBe('{"hello":"ky"}')
  expect(world.api.echoes.map((echo) => echo.body)).toEqual(['{"hello":"ky"}'])
  expect(forbidden).toBeInstanceOf(HTTPError)
  expect((forbidden as HTTPError).response.status).toBe(403)
  expect(world.as.counts.refreshGrants).toBe(1)
})

test('ky: a body is replayed whole after a refresh, and a foreign prefixUrl never gets the token', async () => {
  const { session, storage } = await signedInSession(world)
  await waitForAccessTokenExpiry(storage)

  const echoed = await ky.post(`${world.api.url}/echo`, { fetch: session.fetch, json: { hello: 'again' } }).text()
  await ky.get('landing', { prefixUrl: world.foreign.url, fetch: session.fetch })

  expect(echoed).toBe('{"hello":"again"}')
  expect(world.api.echoes.map((echo) => echo.body)).toEqual(['{"hello":"again"}', '{"hello":"again"}'])
  expect(world.foreign.seen).toEqual([{ path: '/landing', authorization: undefined }])
})

test('ky: a signal aborts a request parked for the refresh, and the refresh goes on for the others', async () => {
  const { session, storage, tokenEndpoint } = await signedInSession(world)
  await waitForAccessTokenExpiry(storage)
  const release = tokenEndpoint.hold()
  const controller = new AbortController()
  const aborted = ky
    .get(`${world.api.url}/data`, { fetch: session.fetch, signal: controller.signal, retry: 0 })
    .catch((e: unknown) => e)
  const other = ky.get(`${world.api.url}/data`, { fetch: session.fetch, retry: 0 }).json<{ ok: boolean }>()
  await new Promise((resolve) => setTimeout(resolve, 100))

  controller.abort()
  const error = await aborted
  release()

  expect((error as Error).name).toBe('AbortError')
  expect((await other).ok).toBe(true)
  expect(world.as.counts).toMatchObject({ refreshGrants: 1, refreshGrantsSucceeded: 1 })
})

test('openapi-fetch: 20 concurrent 401s, one refresh; a typed POST body survives the replay', async () => {
  const { session, storage } = await signedInSession(world)
  const client = createClient<Paths>({ baseUrl: world.api.url, fetch: session.fetch })
  await waitForAccessTokenExpiry(storage)

  const answers = await Promise.all(Array.from({ length: 20 }, () => client.GET('/data')))
  await waitForAccessTokenExpiry(storage)
  const posted = await client.POST('/echo', { body: { hello: 'openapi' }, parseAs: 'text' })

  expect(answers.map(({ response }) => response.status)).toEqual(Array(20).fill(200))
  expect(answers.every(({ data }) => data?.ok === true)).toBe(true)
  expect(posted.data).toBe('{"hello":"openapi"}')
  expect(world.api.echoes.map((echo) => echo.body)).toEqual(['{"hello":"openapi"}', '{"hello":"openapi"}'])
  expect(world.as.counts).toMatchObject({ refreshGrants: 2, refreshGrantsSucceeded: 2 })
})
