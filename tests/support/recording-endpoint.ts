import type { IncomingHttpHeaders, ServerResponse } from 'node:http'
import { afterEach } from 'vitest'
import { createHttpTestServer, readBody, type HttpTestServer } from './http-test-server.js'

/** A request as a recording endpoint received it. */
export interface Received {
  method: string | undefined
  path: string | undefined
  headers: IncomingHttpHeaders
  body: string
}

const servers: HttpTestServer[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()))
})

/**
 * A real server on 127.0.0.1 that records every request and lets `answer`
 * reply (or not); closed after each test of the file that imports it.
 */
export async function serve(answer: (response: ServerResponse) => void = () => {}) {
  const received: Received[] = []
  const server = await createHttpTestServer(async (request, response) => {
    received.push({ method: request.method, path: request.url, headers: request.headers, body: await readBody(request) })
    answer(response)
  })
  servers.push(server)
  return { received, server }
}

/** Closes the most recently started server: "nothing listens there any more". */
export async function closeLatest(): Promise<void> {
  await servers.pop()?.close()
}

/** An answer: a JSON (or raw string) body with a status and headers. */
export function reply(status: number, body: unknown, headers: Record<string, string> = {}) {
  return (response: ServerResponse) => {
    response.writeHead(status, { 'content-type': 'application/json', ...headers })
    response.end(typeof body === 'string' ? body : JSON.stringify(body))
  }
}
