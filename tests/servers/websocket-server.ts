import { WebSocketServer, type WebSocket } from 'ws'
import { closeServer, listenOnLoopback, originOf } from './loopback.js'
import { tokenVerifier } from './token-verifier.js'

/** How a connection ended, as the server closed it. */
export const TOKEN_EXPIRED = 4001

/**
 * A WebSocket endpoint on loopback that authenticates each connection with
 * the access token in its `access_token` query parameter (the usual way for
 * sockets, which carry no Authorization header from a browser), refuses an
 * invalid one, and closes the connection the moment its token expires.
 * It echoes every message with the subject of the token that opened it.
 */
export async function startWebSocketServer(options: { issuer: string; jwksUri: string; audience: string }) {
  const verify = await tokenVerifier(options)
  const counts = { connections: 0, refused: 0, expiredClosed: 0 }
  const sockets = new Set<WebSocket>()
  const server = await listenOnLoopback((_request, response) => response.writeHead(426).end())
  const wss = new WebSocketServer({ noServer: true })
  server.on('upgrade', (request, socket, head) => {
    const token = new URL(request.url ?? '/', 'http://127.0.0.1').searchParams.get('access_token')
    void verify(token).then((claims) => {
      if (claims === null || typeof claims.exp !== 'number') {
        counts.refused++
        socket.end('HTTP/1.1 401 Unauthorized\r\n\r\n')
        return
      }
      wss.handleUpgrade(request, socket, head, (ws) => {
        counts.connections++
        sockets.add(ws)
        const timer = setTimeout(
          () => {
            counts.expiredClosed++
            ws.close(TOKEN_EXPIRED, 'token expired')
          },
          Math.max(0, (claims.exp as number) * 1000 - Date.now()),
        )
        ws.on('message', (data) => ws.send(`${String(claims.sub)}:${(data as Buffer).toString('utf8')}`))
        ws.on('close', () => {
          clearTimeout(timer)
          sockets.delete(ws)
        })
      })
    })
  })
  const origin = originOf(server)
  return {
    url: origin.replace('http:', 'ws:'),
    counts,
    async close() {
      for (const ws of sockets) ws.terminate()
      wss.close()
      await closeServer(server)
    },
  }
}

export type WebSocketTestServer = Awaited<ReturnType<typeof startWebSocketServer>>
