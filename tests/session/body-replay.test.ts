import { afterEach, beforeEach, expect, test } from 'vitest'
import { startFakeApi, type FakeApi } from '../support/fake-api.js'
import { signedInSession } from '../support/session-harness.js'

let api: FakeApi
beforeEach(async () => {
  api = await startFakeApi()
})
afterEach(() => api.close())

function bodiesSeenAt(path: string): string[] {
  return api.seen.filter((r) => r.path === path).map((r) => r.body)
}

test.each([
  ['a string', () => 'hello=world'],
  ['URLSearchParams', () => new URLSearchParams({ hello: 'world' })],
  ['a Blob', () => new Blob(['hello=world'])],
  ['an ArrayBuffer', () => new TextEncoder().encode('hello=world').buffer],
])('%s body is sent whole again after a refresh', async (_, body) => {
  const session = await signedInSession(api)
  api.expireAccessTokens()

  const response = await session.fetch(api.url('/echo'), { method: 'POST', body: body() })

  expect(response.status).toBe(200)
  expect(bodiesSeenAt('/echo')).toEqual(['hello=world', 'hello=world'])
})

test('a Request object is cloned before its first send, so its body survives the replay', async () => {
  const session = await signedInSession(api)
  api.expireAccessTokens()
  const request = new Request(api.url('/echo'), {
    method: 'PUT',
    body: '{"a":1}',
    headers: { 'content-type': 'application/json' },
  })

  const response = await session.fetch(request)

  expect(response.status).toBe(200)
  expect(bodiesSeenAt('/echo')).toEqual(['{"a":1}', '{"a":1}'])
  expect(request.bodyUsed).toBe(false)
})

test('a stream body is not replayed: the 401 goes back to the caller', async () => {
  const session = await signedInSession(api)
  api.expireAccessTokens()
  const stream = new ReadableStream({
    start(controller) {
      controller.enqueue(new TextEncoder().encode('once only'))
      controller.close()
    },
  })

  const response = await session.fetch(api.url('/echo'), { method: 'POST', body: stream, duplex: 'half' } as RequestInit)

  expect(response.status).toBe(401)
  expect(bodiesSeenAt('/echo')).toEqual(['once only'])
  expect(api.refreshes).toHaveLength(0)
})
