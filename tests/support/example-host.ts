import { readFile } from 'node:fs/promises'
import { extname, join, normalize } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import type { ExampleConfig } from '../../examples/frameworks/shared/example-contract.js'
import type { AuthorizationServer, ResourceServer } from '../servers/index.js'
import { createHttpTestServer, type HttpTestServer } from './http-test-server.js'

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.map': 'application/json',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
}

async function receiverScript(): Promise<string> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL('./inspector-receiver.ts', import.meta.url))],
    bundle: true,
    format: 'iife',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  })
  return result.outputFiles[0]!.text
}

export interface ExampleHostOptions {
  /** The built example: its `index.html` and assets. */
  dir: string
  as: AuthorizationServer
  api: ResourceServer
  config?: Partial<ExampleConfig>
}

/**
 * Serves a built example on its own loopback origin, as a static host would,
 * plus what the example needs from a back end: `/config.json` (where the
 * authorization server and the API are), `POST /sign-in` (the login: the
 * scripted authorization code + PKCE flow against the real authorization
 * server, answering its token response), and `/inspector/`, a page with
 * @statelyai/inspect's receiver for `?inspect=/inspector/`.
 */
export interface ExampleHost extends HttpTestServer {
  /** Every token response `/sign-in` handed out, for tests that look for tokens where none may be. */
  issued: Array<Record<string, unknown>>
}

export async function startExampleHost(options: ExampleHostOptions): Promise<ExampleHost> {
  const issued: ExampleHost['issued'] = []
  const receiver = await receiverScript()
  const config: ExampleConfig = {
    tokenEndpoint: options.as.tokenEndpoint,
    revocationEndpoint: options.as.revocationEndpoint,
    clientId: options.as.clientId,
    api: options.api.origin,
    signInUrl: '/sign-in',
    loadEveryMs: 250,
    ...options.config,
  }
  const server = await createHttpTestServer(async (request, response) => {
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname
    if (path === '/config.json') {
      response.writeHead(200, { 'content-type': TYPES['.json']! }).end(JSON.stringify(config))
    } else if (path === '/sign-in' && request.method === 'POST') {
      const tokens = await options.as.signIn()
      issued.push(tokens)
      response.writeHead(200, { 'content-type': TYPES['.json']!, 'cache-control': 'no-store' }).end(JSON.stringify(tokens))
    } else if (path === '/inspector/') {
      response
        .writeHead(200, { 'content-type': TYPES['.html']! })
        .end('<!doctype html><title>receiver</title><script src="/inspector/receiver.js"></script>')
    } else if (path === '/inspector/receiver.js') {
      response.writeHead(200, { 'content-type': TYPES['.js']! }).end(receiver)
    } else {
      const file = join(options.dir, normalize(path === '/' ? '/index.html' : path))
      const body = await readFile(file).catch(() => (path.includes('.') ? null : readFile(join(options.dir, 'index.html'))))
      if (body === null) response.writeHead(404).end()
      else response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body)
    }
  })
  return { ...server, issued }
}
