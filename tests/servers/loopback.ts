import { createServer, type RequestListener, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * Starts a `node:http` server bound to 127.0.0.1 only, never to every interface:
 * test servers must not be reachable from outside the machine.
 *
 * @param listener - the request handler
 * @param port - `0` (the default) lets the OS pick a free port; pass a previous port to listen there again
 */
export async function listenOnLoopback(listener: RequestListener, port = 0): Promise<Server> {
  const server = createServer(listener)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  return server
}

/** The `http://127.0.0.1:PORT` origin of a listening server. */
export function originOf(server: Server): string {
  const { address, port } = server.address() as AddressInfo
  return `http://${address}:${port}`
}

/**
 * Stops listening and drops every open connection, including idle keep-alive ones,
 * so that the next request fails to connect instead of reusing a pooled socket.
 */
export async function closeServer(server: Server): Promise<void> {
  if (!server.listening) return
  const closed = new Promise<void>((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()))
  })
  server.closeAllConnections()
  await closed
}
