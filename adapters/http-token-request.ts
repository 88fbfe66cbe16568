/**
 * How the token endpoint adapters talk HTTP: one POST under a deadline and the
 * caller's abort, and a size-capped read of the answer. Internal; what an
 * answer means is decided in `token-endpoint-answer.ts`.
 */
import { ConfigurationError, InvalidTokenResponseError, isTokenSessionError } from '../machines/errors.js'
import type { FetchFunction } from '../machines/ports.js'

/** How a token endpoint adapter reaches its server. */
export interface HttpTransportOptions {
  /**
   * The `fetch` to call; inject undici, a polyfill or a test double.
   * @default globalThis.fetch, looked up on every request
   */
  fetch?: FetchFunction
  /**
   * Milliseconds a request may take, answer body included; past it the refresh fails with code `TIMEOUT`.
   * @default 10_000
   */
  timeout?: number
  /**
   * Largest answer body read, in bytes; a longer one is `INVALID_RESPONSE`. Bounds memory against a broken or hostile server.
   * @default 1_048_576 (1 MiB)
   */
  maxResponseBytes?: number
  /**
   * Allows a plain-http endpoint beyond loopback. The refresh token and the
   * client secret would travel in clear (RFC 6749 §3.2, §10.9: TLS is
   * required): local development only.
   * @default false
   */
  allowInsecureHttp?: boolean
}

/** Transport options after validation. */
export interface HttpTransport {
  fetch: FetchFunction | undefined
  timeout: number
  maxResponseBytes: number
}

/** One POST to a token or revocation endpoint. */
export interface TokenHttpRequest {
  url: string | URL
  headers: Headers
  body: string
  credentials: RequestCredentials
}

// setTimeout, behind AbortSignal.timeout, fires at once for longer delays.
const MAX_TIMEOUT = 2_147_483_647

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]'])

/** True when `url` stays on this machine, where plain http crosses no network. */
export function isLoopback(url: URL): boolean {
  return LOOPBACK_HOSTS.has(url.hostname)
}

/**
 * Throws a `ConfigurationError` unless `value` can be a fetch URL that keeps
 * secrets off the network in clear; `name` says which option it is. A
 * relative URL takes the page's scheme.
 */
export function assertUrl(name: string, value: unknown, allowInsecureHttp = false): asserts value is string | URL {
  if (!(value instanceof URL) && (typeof value !== 'string' || value === ''))
    throw new ConfigurationError(`${name} must be a non-empty string or a URL.`)
  const absolute = URL.canParse(value) ? new URL(value) : undefined
  // RFC 6749 §3.2: the token endpoint must use TLS; the refresh token and any client secret travel in the request.
  if (absolute?.protocol === 'http:' && !isLoopback(absolute) && !allowInsecureHttp) {
    throw new ConfigurationError(
      `${name} is plain http; the refresh token and client secret would travel in clear (RFC 6749 §3.2). Use https, or set allowInsecureHttp for local development.`,
    )
  }
}

/** Validates the shared options; `adapter` names the factory in error messages. */
export function resolveTransport(adapter: string, options: HttpTransportOptions): HttpTransport {
  const { fetch, timeout = 10_000, maxResponseBytes = 1_048_576 } = options
  if (fetch !== undefined && typeof fetch !== 'function') throw new ConfigurationError(`${adapter}: fetch must be a function.`)
  if (!Number.isInteger(timeout) || timeout <= 0 || timeout > MAX_TIMEOUT)
    throw new ConfigurationError(`${adapter}: timeout must be a whole number of milliseconds from 1 to ${MAX_TIMEOUT}.`)
  if (!Number.isSafeInteger(maxResponseBytes) || maxResponseBytes <= 0)
    throw new ConfigurationError(`${adapter}: maxResponseBytes must be a positive whole number.`)
  return { fetch, timeout, maxResponseBytes }
}

/** Builds the error for a request that got no answer in time (`TIMEOUT`) or none at all (`NETWORK`). */
export type TransportFailure = (code: 'NETWORK' | 'TIMEOUT', cause?: unknown) => Error

/**
 * POSTs `request` and runs `handle` on the answer, both under one deadline.
 * Rejects with the caller's abort reason as-is, an error `handle` threw, or
 * what `fail` builds. The race holds even an injected fetch that ignores its
 * signal to the deadline.
 */
export async function sendTokenRequest<T>(
  transport: HttpTransport,
  request: TokenHttpRequest,
  callerSignal: AbortSignal,
  fail: TransportFailure,
  handle: (response: Response) => T | Promise<T>,
): Promise<T> {
  const deadline = AbortSignal.timeout(transport.timeout)
  const signal = AbortSignal.any([callerSignal, deadline])
  const fetchFunction = transport.fetch ?? globalThis.fetch
  const init: RequestInit = {
    method: 'POST',
    headers: request.headers,
    body: request.body,
    credentials: request.credentials,
    // A followed redirect would resend the grant and client credentials to another URL.
    redirect: 'manual',
    // RFC 6749 §5.1: token responses are no-store; no cache may answer for the server.
    cache: 'no-store',
    signal,
  }
  try {
    return await raceAbort(signal, async () => handle(await fetchFunction(request.url, init)))
  } catch (error) {
    // The session cancels a refresh through its signal and recognises its own reason.
    if (callerSignal.aborted) throw callerSignal.reason
    if (isTokenSessionError(error)) throw error
    throw deadline.aborted ? fail('TIMEOUT') : fail('NETWORK', error)
  }
}

function raceAbort<T>(signal: AbortSignal, work: () => Promise<T>): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error)
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error)
    signal.addEventListener('abort', onAbort, { once: true })
    work()
      .then(resolve, reject)
      .finally(() => signal.removeEventListener('abort', onAbort))
  })
}

/**
 * Reads the body as UTF-8 JSON, stopping past `maxBytes`. Parse errors are not
 * kept as a cause: V8 quotes the body in them, and the body may hold a token.
 */
export async function readJsonBody(response: Response, maxBytes: number): Promise<unknown> {
  const tooLarge = new InvalidTokenResponseError(`the body is larger than maxResponseBytes (${maxBytes} bytes)`)
  if (Number(response.headers.get('content-length')) > maxBytes) {
    discardBody(response)
    throw tooLarge
  }
  const decoder = new TextDecoder('utf-8', { fatal: true })
  let text = ''
  if (response.body !== null) {
    const reader = response.body.getReader()
    let size = 0
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      size += chunk.value.byteLength
      if (size > maxBytes) {
        reader.cancel().catch(() => {})
        throw tooLarge
      }
      text += decodeChunk(decoder, chunk.value, reader)
    }
  }
  try {
    return JSON.parse(text + decoder.decode()) as unknown
  } catch {
    throw new InvalidTokenResponseError('the body is not valid UTF-8 JSON')
  }
}

function decodeChunk(decoder: TextDecoder, bytes: Uint8Array, reader: ReadableStreamDefaultReader): string {
  try {
    return decoder.decode(bytes, { stream: true })
  } catch {
    reader.cancel().catch(() => {})
    throw new InvalidTokenResponseError('the body is not valid UTF-8 JSON')
  }
}

/** Frees the connection of an answer whose body is not needed. */
export function discardBody(response: Response): void {
  response.body?.cancel().catch(() => {})
}
