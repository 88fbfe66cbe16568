import { WebSocket } from 'ws'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { startWebSocketServer, TOKEN_EXPIRED, type WebSocketTestServer } from '../servers/websocket-server.js'
import { signedInSession, sleep, useRealWorld } from './real-world.js'

// Issue 11: a long-lived connection outside fetch, kept alive with getAccessToken().
const world = useRealWorld()
let sockets: WebSocketTestServer
beforeAll(async () => {
  sockets = await startWebSocketServer({ issuer: world.as.issuer, jwksUri: world.as.jwksUri, audience: world.as.resource })
})
afterAll(() => sockets?.close())

/** Opens the socket with the given token; resolves once the server has accepted it. */
async function connect(token: string): Promise<WebSocket> {
  const ws = new WebSocket(`${sockets.url}/live?access_token=${encodeURIComponent(token)}`)
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('error', reject)
  })
  return ws
}

test('a WebSocket reconnects across 3 expiries with getAccessToken(): one refresh per expiry, shared with fetch traffic', async () => {
  // 2 s tokens: renewals may come sooner than the default minimum interval of 5 s.
  const { session } = await signedInSession(world, { refresh: { proactive: false, maxAttempts: 1, minInterval: 500 } })
  const closes: number[] = []
  let reconnects = 0
  let stop = false

  // Fetch traffic meanwhile: a request every 100 ms, each must succeed.
  const statuses: number[] = []
  const traffic = (async () => {
    while (!stop) {
      statuses.push((await session.fetch(`${world.api.url}/data`)).status)
      await sleep(100)
    }
  })()

  // The token's `exp` claim is whole seconds (floor(iat) + 2), so the server's
  // expiry can come up to a second before the one the client knows from
  // `expires_in` (RFC 6749 §5.1). Asking for 1.5 s of validity covers that gap.
  const minValidity = 1500
  let ws = await connect(await session.getAccessToken({ minValidity }))
  while (closes.length < 3) {
    const code = await new Promise<number>((resolve) => ws.once('close', resolve))
    closes.push(code)
    // The server closed it because its token expired: come back with a token that is good now.
    reconnects++
    ws = await connect(await session.getAccessToken({ minValidity }))
  }
  const echoed = await new Promise<string>((resolve) => {
    ws.once('message', (data) => resolve((data as Buffer).toString('utf8')))
    ws.send('ping')
  })
  stop = true
  await traffic
  ws.close()

  console.log(
    `websocket: ${closes.length} expiries, ${reconnects} reconnects, ${statuses.length} fetches alongside, ` +
      `${world.as.counts.refreshGrantsSucceeded} refresh grants`,
  )
  expect(closes).toEqual([TOKEN_EXPIRED, TOKEN_EXPIRED, TOKEN_EXPIRED])
  expect(sockets.counts.refused).toBe(0)
  expect(echoed).toMatch(/:ping$/)
  expect(statuses.every((status) => status === 200)).toBe(true)
  // Each expiry cost exactly one refresh grant, shared by the socket and the fetch traffic.
  expect(world.as.counts).toMatchObject({ refreshGrants: 3, refreshGrantsSucceeded: 3 })
}, 30_000)
