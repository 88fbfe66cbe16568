import { RefreshError, TokenSessionError } from '../machines/errors.js'
import type { Clock } from '../machines/ports.js'
import type { SessionEvent } from '../machines/session.types.js'
import type { Ticket } from './wire.js'

interface Pending {
  resolve(ticket: Ticket | null): void
  reject(error: unknown): void
  signal: AbortSignal | undefined
  replay: boolean
  /** When the machine parked it, on the session clock; undefined while not parked. */
  parkedAt: number | undefined
  onAbort: (() => void) | undefined
}

export interface RequestDeskParts {
  /** The token the machine hands out when it admits a request. */
  current: () => { accessToken: string; grant: string; generation: number } | null
  dispatch: (event: SessionEvent) => boolean
  /** Told of every ticket handed out, as it is: the wire counts first sends. */
  onTicket: (ticket: Ticket) => void
  clock: Clock
  /** How long a parked request waits for the session, in ms, before it gives up with `RefreshError` `TIMEOUT`. */
  maxWait: number
}

/**
 * Where requests wait for the machine's decision. A request asks (by sending
 * an event); the machine answers through the desk's methods, which the
 * session provides as the machine's actions: admit, park, refuse, decline,
 * release, reject. Each request is answered exactly once: an answer removes it.
 */
export function requestDesk({ current, dispatch, onTicket, clock, maxWait }: RequestDeskParts) {
  const pending = new Map<number, Pending>()
  let stopTimer: (() => void) | undefined

  function take(id: number): Pending | undefined {
    const entry = pending.get(id)
    if (entry === undefined) return undefined
    pending.delete(id)
    if (entry.onAbort) entry.signal?.removeEventListener('abort', entry.onAbort)
    return entry
  }

  function ticketFor(replay: boolean): Ticket {
    const tokens = current()
    if (tokens === null)
      throw new TokenSessionError('Internal error: a request was admitted without tokens.', { code: 'INTERNAL_ERROR' })
    const ticket = { accessToken: tokens.accessToken, grant: tokens.grant, generation: tokens.generation, replay }
    onTicket(ticket)
    return ticket
  }

  function parked(): number[] {
    const ids: number[] = []
    for (const [id, entry] of pending) if (entry.parkedAt !== undefined) ids.push(id)
    return ids
  }

  /** A parked request gives up: the machine hears it, the caller gets `error`. */
  function withdraw(id: number, error: unknown): void {
    const entry = take(id)
    if (entry === undefined) return
    dispatch({ type: 'request.withdrawn', id })
    entry.reject(error)
  }

  /** One timer for the oldest parked request: parking order is deadline order. */
  function armWaitTimer(): void {
    stopTimer?.()
    stopTimer = undefined
    const oldest = parked()[0]
    const parkedAt = oldest === undefined ? undefined : pending.get(oldest)?.parkedAt
    if (parkedAt === undefined) return
    stopTimer = clock.setTimer(Math.max(0, parkedAt + maxWait - clock.now()), () => {
      stopTimer = undefined
      const now = clock.now()
      for (const id of parked()) {
        const at = pending.get(id)?.parkedAt
        if (at === undefined || at + maxWait > now) break
        withdraw(
          id,
          new RefreshError(`The session could not authorize this request within maxWait (${maxWait} ms); the renewal goes on.`, {
            code: 'TIMEOUT',
          }),
        )
      }
      armWaitTimer()
    })
  }

  return {
    /**
     * Sends `event` on behalf of request `id` and resolves with the machine's
     * answer: a ticket, or null when the machine declined (the request's
     * answer goes back to its caller). `onPark` runs if the request is parked.
     */
    ask(
      id: number,
      event: SessionEvent,
      signal: AbortSignal | undefined,
      replay: boolean,
      onPark?: () => void,
    ): Promise<Ticket | null> {
      return new Promise<Ticket | null>((resolve, reject) => {
        const entry: Pending = { resolve, reject, signal, replay, parkedAt: undefined, onAbort: undefined }
        pending.set(id, entry)
        const settledNow = dispatch(event)
        if (entry.parkedAt !== undefined) onPark?.()
        // The machine answers every request event in the same step. Should a
        // state ever ignore one, fail loudly instead of leaving the caller hanging.
        if (settledNow && pending.get(id) === entry && entry.parkedAt === undefined) {
          take(id)
          reject(new TokenSessionError(`Internal error: the session ignored ${event.type}.`, { code: 'INTERNAL_ERROR' }))
        }
      })
    },
    admit(id: number): void {
      const entry = take(id)
      entry?.resolve(ticketFor(entry.replay))
    },
    park(id: number): void {
      const entry = pending.get(id)
      if (entry === undefined) return
      entry.parkedAt = clock.now()
      if (stopTimer === undefined) armWaitTimer()
      const { signal } = entry
      if (signal === undefined) return
      entry.onAbort = () => withdraw(id, signal.reason)
      signal.addEventListener('abort', entry.onAbort, { once: true })
    },
    refuse(id: number, error: unknown): void {
      take(id)?.reject(error)
    },
    decline(id: number): void {
      take(id)?.resolve(null)
    },
    /** Sends every parked request; `replay` says whether that send is their one replay. */
    releaseParked(replay: boolean): void {
      for (const id of parked()) take(id)?.resolve(ticketFor(replay))
      armWaitTimer()
    },
    rejectParked(error: unknown): void {
      for (const id of parked()) take(id)?.reject(error)
      armWaitTimer()
    },
    /** Rejects every request still waiting for an answer: the session is gone. */
    rejectAll(error: unknown): void {
      for (const id of [...pending.keys()]) take(id)?.reject(error)
      stopTimer?.()
      stopTimer = undefined
    },
  }
}

export type RequestDesk = ReturnType<typeof requestDesk>
