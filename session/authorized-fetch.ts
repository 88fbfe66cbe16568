import type { FetchAdapter, OutgoingRequest } from '../adapters/fetch.js'
import type { FetchFunction } from '../machines/ports.js'
import type { SessionEvent } from '../machines/session.types.js'
import { blamesToken } from './challenge.js'
import type { RequestDesk, Ticket } from './request-desk.js'

export interface AuthorizedFetchParts {
  adapter: FetchAdapter
  origins: ReadonlySet<string>
  baseUrl: string | undefined
  desk: RequestDesk
  dispatch: (event: SessionEvent) => boolean
  /** The monotonic clock: the machine checks the token's expiry at the moment of use. */
  now: () => number
  /** Throws when the session can no longer take requests (disposed). */
  assertOpen: () => void
}

/**
 * The `fetch` users call. The machine decides when a request may go and with
 * which token; this function carries the request through those decisions and
 * makes sure it settles exactly once, with at most one replay.
 */
export function authorizedFetch({
  adapter,
  origins,
  baseUrl,
  desk,
  dispatch,
  now,
  assertOpen,
}: AuthorizedFetchParts): FetchFunction {
  let lastId = 0

  function settle(id: number, ticket: Ticket): void {
    dispatch({ type: 'request.settled', id, grant: ticket.grant, generation: ticket.generation, replay: ticket.replay })
  }

  async function send(outgoing: OutgoingRequest, id: number, ticket: Ticket): Promise<Response> {
    try {
      return await outgoing.sendWithToken(ticket.accessToken)
    } catch (error) {
      settle(id, ticket)
      throw error
    }
  }

  return async function fetch(input, init) {
    assertOpen()
    // The URL is read once, here: later changes to the caller's URL object cannot redirect the token.
    const outgoing = adapter.prepare(input, init, baseUrl)
    // Exact origin match: the token never goes anywhere it was not sent for.
    if (!origins.has(outgoing.url.origin)) return outgoing.sendUntouched()

    const { signal } = outgoing
    signal?.throwIfAborted()
    const id = ++lastId
    const first = await desk.ask(id, { type: 'request.sent', id, now: now() }, signal, false)
    if (first === null) throw new Error('Internal error: a first send was declined.')
    const response = await send(outgoing, id, first)

    const rejected =
      response.status === 401 && !first.replay && outgoing.replayable && blamesToken(response.headers.get('www-authenticate'))
    if (!rejected || signal?.aborted) {
      settle(id, first)
      return response
    }

    // The 401 is consumed unless the machine hands it back; free its connection while parked.
    const discard = () => void response.body?.cancel().catch(() => undefined)
    let second: Ticket | null
    try {
      second = await desk.ask(
        id,
        { type: 'token.rejected', id, grant: first.grant, generation: first.generation },
        signal,
        true,
        discard,
      )
    } catch (error) {
      discard()
      throw error
    }
    // Declined: sent for a grant the session no longer holds; its answer is the caller's.
    if (second === null) return response
    discard()
    const replayed = await send(outgoing, id, second)
    settle(id, second)
    return replayed
  }
}
