import type { FetchAdapter, OutgoingRequest } from '../adapters/fetch.js'
import type { FetchFunction } from '../machines/ports.js'
import type { SessionEvent } from '../machines/session.types.js'
import { blamesToken } from './challenge.js'
import type { RequestDesk, Ticket } from './request-desk.js'

export interface AuthorizedFetchDeps {
  adapter: FetchAdapter
  origins: ReadonlySet<string>
  baseUrl: string | undefined
  desk: RequestDesk
  dispatch: (event: SessionEvent) => boolean
  /** The monotonic clock: the machine checks the token's expiry at the moment of use. */
  now: () => number
}

/**
 * The `fetch` users call. The machine decides when a request may go and with
 * which token; this function carries the request through those decisions and
 * makes sure it settles exactly once, with at most one replay.
 */
export function authorizedFetch({ adapter, origins, baseUrl, desk, dispatch, now }: AuthorizedFetchDeps): FetchFunction {
  let lastId = 0

  function settle(id: number, ticket: Ticket): void {
    dispatch({ type: 'request.settled', id, generation: ticket.generation, replay: ticket.replay })
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
    const outgoing = adapter.prepare(input, init, baseUrl)
    // Exact origin match: the token never goes anywhere it was not sent for.
    if (!origins.has(outgoing.url.origin)) return outgoing.sendUntouched()

    const { signal } = outgoing
    signal?.throwIfAborted()
    const id = ++lastId
    const first = await desk.ask(id, { type: 'request.sent', id, now: now() }, signal, false)
    const response = await send(outgoing, id, first)

    const retry =
      response.status === 401 && !first.replay && outgoing.replayable && blamesToken(response.headers.get('www-authenticate'))
    if (!retry || signal?.aborted) {
      settle(id, first)
      return response
    }

    // The 401 is consumed here; free its connection before waiting.
    response.body?.cancel().catch(() => undefined)
    const second = await desk.ask(id, { type: 'token.rejected', id, generation: first.generation }, signal, true)
    const replayed = await send(outgoing, id, second)
    settle(id, second)
    return replayed
  }
}
