import { canJoinBurst, wireKey } from '../machines/session.guards.js'
import type { SessionContext, SessionEvent } from '../machines/session.types.js'
import type { TokenKeeper } from './token-keeper.js'

/** What a request may go out with: a token and where it stands in the session's history. */
export interface Ticket {
  readonly accessToken: string
  readonly grant: string
  readonly generation: number
  /** True when this send is the request's one replay; a 401 then goes back to the caller. */
  readonly replay: boolean
}

export interface WireParts {
  snapshot: () => { context: SessionContext; value: unknown }
  keeper: TokenKeeper
  dispatch: (event: SessionEvent) => boolean
}

/**
 * What is on the wire, as the session counts it, next to what the chart
 * counts. The chart hears about the edges of a burst, not every request:
 *
 * - a request the machine would admit anyway, while a first send of the same
 *   token is already counted (`canJoinBurst`), goes out without an event;
 * - a first send leaving the wire settles the chart's count one turn of the
 *   event loop later, and only if no other request of that token has taken
 *   its place by then, so back-to-back requests are one burst and the chart
 *   moves `requesting` -> `idle` once, when the burst is over.
 *
 * Invariant: for every token, the chart counts at least one first send while
 * the session has one on the wire, and never more than it had. Replays are
 * rare (after a 401) and are settled one event each.
 */
export function wire({ snapshot, keeper, dispatch }: WireParts) {
  const firstSends = new Map<string, number>()
  let drainTimer: ReturnType<typeof setTimeout> | undefined
  let stopped = false

  const countOf = (key: string) => firstSends.get(key) ?? 0
  const add = (key: string, by: number) => {
    const count = countOf(key) + by
    if (count > 0) firstSends.set(key, count)
    else firstSends.delete(key)
  }

  /** Settles the chart's counts down to what is really on the wire. */
  function drain(): void {
    drainTimer = undefined
    for (const key of Object.keys(snapshot().context.inFlight)) {
      const at = key.indexOf('@')
      const generation = Number(key.slice(0, at))
      const grant = key.slice(at + 1)
      for (let owed = (snapshot().context.inFlight[key] ?? 0) - countOf(key); owed > 0; owed--) {
        dispatch({ type: 'request.settled', grant, generation, replay: false })
      }
    }
  }

  function owe(key: string): void {
    if (!stopped && drainTimer === undefined && (snapshot().context.inFlight[key] ?? 0) > countOf(key)) {
      drainTimer = setTimeout(drain, 0)
      ;(drainTimer as { unref?: () => void }).unref?.()
    }
  }

  return {
    /** A ticket without asking the machine, when the request only joins the burst already on the wire. */
    join(now: number): Ticket | null {
      if (!canJoinBurst(snapshot(), now)) return null
      const ticket = keeper.ticket()
      if (ticket === null) return null
      add(wireKey(ticket.grant, ticket.generation), 1)
      return ticket
    },
    /** The machine admitted a first send (its count went up with it). */
    sent(ticket: Ticket): void {
      if (!ticket.replay) add(wireKey(ticket.grant, ticket.generation), 1)
    },
    /** A send left the wire with an answer, an error or an abort. */
    left(ticket: Ticket): void {
      if (ticket.replay) {
        dispatch({ type: 'request.settled', grant: ticket.grant, generation: ticket.generation, replay: true })
        return
      }
      const key = wireKey(ticket.grant, ticket.generation)
      add(key, -1)
      owe(key)
    },
    /**
     * A first send came back 401: it leaves the wire. Returns whether the
     * chart should count it out (`counted`), which it should unless another
     * request of the same token still stands for it there.
     */
    rejected(ticket: Ticket): boolean {
      const key = wireKey(ticket.grant, ticket.generation)
      add(key, -1)
      const counted = countOf(key) < (snapshot().context.inFlight[key] ?? 0)
      // Settles owed before this one are still owed once the chart has counted this one out.
      owe(key)
      return counted
    },
    /** The session was disposed: requests still on the wire settle without telling a stopped chart. */
    stop(): void {
      stopped = true
      clearTimeout(drainTimer)
      drainTimer = undefined
    },
  }
}

export type Wire = ReturnType<typeof wire>
