import type { SessionEvent } from '../machines/session.types.js'
import type { RequestDesk } from './request-desk.js'
import type { Ticket, Wire } from './wire.js'

/** How one call goes through the session: what sends it, and how its answer is read. */
export interface AuthorizeOptions<TResponse> {
  /** Performs the request with `accessToken`; called at most twice (the first send and the one replay). */
  send: (accessToken: string) => Promise<TResponse>
  /** Whether the answer means the access token was refused (RFC 6750 §3.1: a 401 that blames the token). */
  rejected: (response: TResponse) => boolean | Promise<boolean>
  /** Frees an answer that will not reach the caller (a 401 before the replay). */
  discard?: (response: TResponse) => void
  /** False when the request cannot be sent twice (a stream body): its 401 goes back to the caller. */
  replayable: boolean
  signal?: AbortSignal | undefined
}

export interface AuthorizeParts {
  desk: RequestDesk
  wire: Wire
  /** The monotonic clock: the machine checks the token's expiry at the moment of use. */
  now: () => number
  /** Throws when the session can no longer take requests (disposed). */
  assertOpen: () => void
}

/**
 * The core call every client goes through: it gets a ticket (from the burst
 * on the wire, or by asking the machine), sends, and on a 401 that blames the
 * token asks the machine what to do: replay once, park for the refresh,
 * hand the answer back, or refuse. Every call settles exactly once.
 */
export function authorizer({ desk, wire, now, assertOpen }: AuthorizeParts) {
  let lastId = 0

  async function sendWith<TResponse>(options: AuthorizeOptions<TResponse>, ticket: Ticket): Promise<TResponse> {
    try {
      return await options.send(ticket.accessToken)
    } catch (error) {
      wire.left(ticket)
      throw error
    }
  }

  /** A ticket for a first send whose token must still be good at `at`: from the burst on the wire, or from the machine. */
  async function ticketFor(at: number, signal: AbortSignal | undefined): Promise<{ id: number; ticket: Ticket }> {
    assertOpen()
    signal?.throwIfAborted()
    const id = ++lastId
    const ticket =
      wire.join(at) ?? (await desk.ask(id, { type: 'request.sent', id, now: at } satisfies SessionEvent, signal, false))
    if (ticket === null) throw new Error('Internal error: a first send was declined.')
    return { id, ticket }
  }

  async function authorize<TResponse>(options: AuthorizeOptions<TResponse>): Promise<TResponse> {
    const { signal } = options
    const { id, ticket: first } = await ticketFor(now(), signal)
    const response = await sendWith(options, first)

    if (first.replay || !options.replayable || signal?.aborted || !(await options.rejected(response))) {
      wire.left(first)
      return response
    }
    // The 401 is consumed unless the machine hands it back; free its connection while parked.
    const discard = () => options.discard?.(response)
    const counted = wire.rejected(first)
    let second: Ticket | null
    try {
      const event = { type: 'token.rejected', id, grant: first.grant, generation: first.generation, counted } as const
      second = await desk.ask(id, event, signal, true, discard)
    } catch (error) {
      discard()
      throw error
    }
    // Declined: sent for a grant the session no longer holds; its answer is the caller's.
    if (second === null) return response
    discard()
    const replayed = await sendWith(options, second)
    wire.left(second)
    return replayed
  }

  /**
   * An access token good for at least `minValidity` ms, for what is not an
   * HTTP request through the session (a WebSocket URL, SignalR's
   * `accessTokenFactory`): asked as a request whose moment of use is that far
   * ahead, so it joins a refresh in flight or starts one, single-flight with
   * everything else. It takes no time on the wire.
   */
  async function accessToken(minValidity: number, signal: AbortSignal | undefined): Promise<string> {
    const { ticket } = await ticketFor(now() + minValidity, signal)
    wire.left(ticket)
    return ticket.accessToken
  }

  return { authorize, accessToken }
}

export type Authorizer = ReturnType<typeof authorizer>
export type Authorize = Authorizer['authorize']
