import type { FetchFunction } from '../index.js'
import type { SendResult } from './stats.js'

/** Tags each demo request so that a send can be traced to its caller. The resource server ignores it. */
export const DEMO_REQUEST_HEADER = 'x-demo-request'

/** The demo request a send belongs to, from its tag. */
export function demoRequestId(headers: Headers): number | undefined {
  const tag = Number(headers.get(DEMO_REQUEST_HEADER) ?? Number.NaN)
  return Number.isSafeInteger(tag) ? tag : undefined
}

/** What the tap shows of a send. */
export interface ObservedSend {
  url: URL
  headers: Headers
}

/**
 * A `fetch` to hand to the library that only watches: every send goes out and
 * comes back untouched, and `onAnswer` hears where it went and what came back.
 * Counting on the wire, rather than trusting the library's own account, is
 * what makes the summary a check: the servers count the same sends on their side.
 */
export function wireTap(
  onAnswer: (send: ObservedSend, result: SendResult) => void,
  fetch: FetchFunction = globalThis.fetch,
): FetchFunction {
  return async (input, init) => {
    const send =
      input instanceof Request
        ? { url: new URL(input.url), headers: input.headers }
        : { url: new URL(input), headers: new Headers(init?.headers) }
    try {
      const response = await fetch(input, init)
      onAnswer(send, response.status)
      return response
    } catch (error) {
      onAnswer(send, 'network error')
      throw error
    }
  }
}
