import { expect, test } from 'vitest'
import { oauth2TokenEndpoint } from '../../adapters/oauth2-token-endpoint.js'
import type { SessionEventMap } from '../../session/create-token-session.js'
import { createHttpTestServer, readBody, type HttpTestServer } from '../support/http-test-server.js'
import { stateOf } from '../support/session-harness.js'
import { signedInSession, useRealWorld } from './real-world.js'

// 4 s tokens: exp is whole seconds, so a token lives between 3 and 4 s; the
// 2 s leeway (half the lifetime) leaves a full second of margin. Time-based
// refreshes are at least `minInterval` apart (5 s by default): such short
// tokens need a shorter one.
const world = useRealWorld({ accessTokenTtlSeconds: 4 })

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

test('steady traffic over three token lifetimes meets zero 401s at the resource server', async () => {
  const { session, emitted } = await signedInSession(world, { refresh: { proactive: true, maxAttempts: 4, minInterval: 1_000 } })
  const start = performance.now()
  const schedule: number[] = []
  session.on('refreshed', () => schedule.push(Math.round(performance.now() - start)))

  let requests = 0
  while (performance.now() - start < 12_000) {
    const response = await session.fetch(`${world.api.url}/data`)
    expect(response.status).toBe(200)
    requests++
    await sleep(100)
  }

  console.log(
    `proactive refresh, real server: ${requests} requests over 12 s with 4 s tokens; ` +
      `401s from the resource server: ${world.api.counts.unauthorized}; refreshes at ${schedule.map((ms) => `${ms} ms`).join(', ')}`,
  )
  expect(world.api.counts.unauthorized).toBe(0)
  expect(world.api.counts.ok).toBe(requests)
  expect(schedule.length).toBeGreaterThanOrEqual(4)
  expect(world.as.counts.refreshGrantsSucceeded).toBe(schedule.length)
  expect(world.as.counts.refreshGrantsFailed).toBe(0)
  expect(emitted.filter((event) => event.type === 'refreshFailed')).toEqual([])
})

test('a token endpoint that answers 503 twice then recovers costs no logout and no failed request', async () => {
  // A real proxy in front of the real token endpoint: the first two refresh grants get 503.
  let refusals = 2
  const proxied: number[] = []
  const proxy: HttpTestServer = await createHttpTestServer(async (request, response) => {
    const body = await readBody(request)
    if (refusals > 0) {
      refusals--
      proxied.push(503)
      response.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"temporarily_unavailable"}')
      return
    }
    const upstream = await fetch(world.as.tokenEndpoint, {
      method: 'POST',
      headers: { 'content-type': String(request.headers['content-type']) },
      body,
    })
    proxied.push(upstream.status)
    response.writeHead(upstream.status, { 'content-type': 'application/json' }).end(await upstream.text())
  })
  const { session, navigations } = await signedInSession(world, {
    tokenEndpoint: oauth2TokenEndpoint({ url: proxy.url('/token'), clientId: world.as.clientId }),
    refresh: { proactive: true, maxAttempts: 4, minInterval: 1_000 },
    random: () => 0.5,
  })
  const failures: SessionEventMap['refreshFailed'][] = []
  session.on('refreshFailed', (event) => failures.push(event))

  const start = performance.now()
  let requests = 0
  while (performance.now() - start < 5_000) {
    expect((await session.fetch(`${world.api.url}/data`)).status).toBe(200)
    requests++
    await sleep(100)
  }
  await proxy.close()

  expect(proxied.slice(0, 3)).toEqual([503, 503, 200])
  expect(failures).toEqual([
    { type: 'refreshFailed', code: 'SERVER_ERROR', attempt: 1, willRetry: true },
    { type: 'refreshFailed', code: 'SERVER_ERROR', attempt: 2, willRetry: true },
  ])
  expect(navigations).toEqual([])
  expect(stateOf(session)).toMatch(/^active/)
  expect(world.api.counts).toMatchObject({ unauthorized: 0, ok: requests })
})
