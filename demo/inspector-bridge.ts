import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { createInspector } from '@statelyai/inspect'
import type { TokenSessionOptions } from '../index.js'

/** The Stately inspector UI. The browser loads it; this process never connects to it. */
const STATELY_INSPECTOR_URL = 'https://stately.ai/inspect'

/** Inspection messages kept for pages that connect late; a run of the longest duration stays well below. */
const MAX_HISTORY = 20_000

export interface InspectorBridge {
  /** The page to open in a browser. */
  url: string
  /** For `createTokenSession({ inspect })`. */
  inspect: NonNullable<TokenSessionOptions['inspect']>
  /** Resolves true once a page is listening, or false after `timeoutMs` or on abort. */
  waitForPage(timeoutMs: number, signal: AbortSignal): Promise<boolean>
  close(): Promise<void>
}

/**
 * Publishes the session's statechart to the Stately inspector. A loopback
 * HTTP server serves a page that embeds the inspector UI and streams the
 * inspection events to it (Server-Sent Events), which the page hands to the
 * inspector with `postMessage`, as `@statelyai/inspect`'s browser inspector does.
 *
 * Why not `@statelyai/inspect/server` with `createWebSocketInspector`: that
 * relay listens on every network interface, and its `stop()` leaves connected
 * browsers' sockets open, so the demo would not exit while the page is open.
 * This bridge listens on 127.0.0.1 only and closes every connection on `close()`.
 */
export async function startInspectorBridge(port: number): Promise<InspectorBridge> {
  const history: { id: number; data: string }[] = []
  const pages = new Set<ServerResponse>()
  let lastId = 0
  let closed = false
  let pageConnected: () => void = () => {}
  const connected = new Promise<void>((resolve) => (pageConnected = resolve))

  const server = createServer((request, response) => {
    // Only names of this machine: a page from elsewhere that rebinds its DNS name to 127.0.0.1 gets nothing.
    if (!allowedHosts.has(request.headers.host ?? '')) return void response.writeHead(421).end()
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname
    if (path === '/') return void response.writeHead(200, htmlHeaders).end(bridgePage())
    if (path === '/events') return streamTo(request, response)
    response.writeHead(404).end()
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve())
  })
  const { port: actualPort } = server.address() as AddressInfo
  const allowedHosts = new Set([`127.0.0.1:${actualPort}`, `localhost:${actualPort}`])

  function streamTo(request: IncomingMessage, response: ServerResponse): void {
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' })
    // EventSource reconnects on its own and says what it saw last; resend only the rest.
    const seen = Number(request.headers['last-event-id'] ?? 0)
    for (const message of history) if (message.id > seen) response.write(frame(message))
    if (closed) return void response.end(endFrame)
    pages.add(response)
    request.once('close', () => pages.delete(response))
    pageConnected()
  }

  const inspector = createInspector({
    send(event) {
      if (closed) return
      // XState snapshots serialise through their own toJSON; the session keeps tokens out of them.
      const message = { id: ++lastId, data: JSON.stringify(event) }
      history.push(message)
      // The first message registers the machine; a late page cannot draw anything without it.
      if (history.length > MAX_HISTORY) history.splice(1, 1)
      for (const page of pages) page.write(frame(message))
    },
  })

  return {
    url: `http://127.0.0.1:${actualPort}/`,
    inspect: inspector.inspect,
    async waitForPage(timeoutMs, signal) {
      const timeout = new AbortController()
      const stop = AbortSignal.any([signal, timeout.signal])
      const waited = sleep(timeoutMs, false, { signal: stop }).catch(() => false)
      const page = await Promise.race([connected.then(() => true), waited])
      timeout.abort()
      return page
    },
    async close() {
      // The inspector hands each event over in a setTimeout(0); a timer queued
      // now runs after those, so the last transitions still reach the page.
      await sleep(0)
      closed = true
      inspector.stop()
      for (const page of pages) page.end(endFrame)
      pages.clear()
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()))
      server.closeAllConnections()
      await stopped
    },
  }
}

const htmlHeaders = { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }

/** One Server-Sent Event; JSON has no raw newlines, so one `data:` line carries it. */
function frame({ id, data }: { id: number; data: string }): string {
  return `id: ${id}\ndata: ${data}\n\n`
}

const endFrame = 'event: end\ndata: {}\n\n'

/** Buffers events until the inspector says it is ready, the way `@statelyai/inspect`'s own bridge page does. */
function bridgePage(): string {
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>token-refresh-machine · Stately inspector</title>
  <style>html, body, iframe { margin: 0; width: 100%; height: 100%; border: 0; }</style>
</head>
<body>
  <iframe id="inspector" src="${STATELY_INSPECTOR_URL}"></iframe>
  <script>
    const inspector = document.getElementById('inspector')
    const waiting = []
    let ready = false
    const post = (event) => inspector.contentWindow.postMessage(event, '*')
    window.addEventListener('message', (message) => {
      if (message.source !== inspector.contentWindow || message.data?.type !== '@statelyai.connected') return
      ready = true
      waiting.splice(0).forEach(post)
    })
    const events = new EventSource('/events')
    events.onmessage = (message) => {
      const event = JSON.parse(message.data)
      if (ready) post(event)
      else waiting.push(event)
    }
    // The demo has ended: stop EventSource from reconnecting to a closed port.
    events.addEventListener('end', () => events.close())
  </script>
</body>
</html>
`
}
