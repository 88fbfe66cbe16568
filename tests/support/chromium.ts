import type { IncomingMessage, ServerResponse } from 'node:http'
import { build } from 'esbuild'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { createHttpTestServer, type HttpTestServer } from './http-test-server.js'
import { ensureSystemProgram } from './redis-server.js'

/** Debian's Chromium (package `chromium`): never a browser that Playwright downloads. */
export const CHROMIUM = '/usr/bin/chromium'

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

export interface BrowserHarness {
  /** `http://127.0.0.1:PORT`: every tab is on this one origin, so they share locks, channels and storage. */
  origin: string
  browser: Browser
  context: BrowserContext
  /** Opens a tab on the test page, with the bundle loaded as the global `globalName`. */
  newTab(): Promise<Page>
  close(): Promise<void>
}

export interface BrowserHarnessOptions {
  /** Absolute paths of the modules whose exports the page gets, merged into one global. */
  modules: string[]
  /** @default 'trm' */
  globalName?: string
  /** More routes of the page's origin, by path: what a test's page needs from a back end. */
  routes?: Record<string, (request: IncomingMessage, response: ServerResponse) => void | Promise<void>>
}

/** Bundles `modules` for the browser with esbuild, into one IIFE that sets `globalName`. */
async function bundle(modules: string[], globalName: string): Promise<string> {
  const result = await build({
    // Without a resolveDir esbuild resolves no import from stdin, absolute ones included.
    stdin: {
      contents: modules.map((path) => `export * from ${JSON.stringify(path)}`).join('\n'),
      loader: 'ts',
      resolveDir: process.cwd(),
    },
    bundle: true,
    format: 'iife',
    globalName,
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  })
  return result.outputFiles[0]!.text
}

/**
 * Headless Debian Chromium (installed with apt-get when missing and root),
 * driven by playwright-core, with a page server on 127.0.0.1 that serves the
 * adapters bundled at test time. One browser context, so tabs behave as tabs
 * of one profile: same origin, same locks, same storage.
 */
export async function startBrowserHarness(options: BrowserHarnessOptions): Promise<BrowserHarness> {
  await ensureSystemProgram('chromium', 'chromium')
  const globalName = options.globalName ?? 'trm'
  const script = await bundle(options.modules, globalName)
  const server: HttpTestServer = await createHttpTestServer((request, response) => {
    const route = options.routes?.[new URL(request.url ?? '/', 'http://127.0.0.1').pathname]
    if (route) return route(request, response)
    if (request.url === '/bundle.js') {
      response.setHeader('content-type', 'text/javascript')
      response.end(script)
    } else {
      response.setHeader('content-type', 'text/html')
      response.end('<!doctype html><title>coordination</title><script src="/bundle.js"></script>')
    }
  })
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS })
  const context = await browser.newContext()
  return {
    origin: server.origin,
    browser,
    context,
    async newTab() {
      const page = await context.newPage()
      await page.goto(server.url('/'))
      await page.waitForFunction((name) => name in globalThis, globalName)
      return page
    },
    async close() {
      await browser.close()
      await server.close()
    },
  }
}
