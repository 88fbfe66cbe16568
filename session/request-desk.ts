import { TokenSessionError } from '../machines/errors.js'
import type { SessionEvent } from '../machines/session.types.js'

/** What a request may go out with: a token and where it stands in the session's history. */
export interface Ticket {
  accessToken: string
  generation: number
  /** True when this send is the request's one replay; a 401 then goes back to the caller. */
  replay: boolean
}

interface Pending {
  resolve(ticket: Ticket): void
  reject(error: unknown): void
  signal: AbortSignal | undefined
  replay: boolean
  parked: boolean
  onAbort: (() => void) | undefined
}

/**
 * Where requests wait for the machine's decision. A request asks (by sending
 * an event); the machine answers through the desk's methods, which the
 * session provides as the machine's actions: admit, park, refuse, release,
 * reject. Each request is answered exactly once: an answer removes it.
 */
export function requestDesk(
  current: () => { accessToken: string; generation: number },
  dispatch: (event: SessionEvent) => boolean,
) {
  const pending = new Map<number, Pending>()

  function take(id: number): Pending | undefined {
    const entry = pending.get(id)
    if (entry === undefined) return undefined
    pending.delete(id)
    if (entry.onAbort) entry.signal?.removeEventListener('abort', entry.onAbort)
    return entry
  }

  function ticketFor(replay: boolean): Ticket {
    const { accessToken, generation } = current()
    return { accessToken, generation, replay }
  }

  function parked(): number[] {
    const ids: number[] = []
    for (const [id, entry] of pending) if (entry.parked) ids.push(id)
    return ids
  }

  return {
    /** Sends `event` on behalf of request `id` and resolves with the machine's answer. */
    ask(id: number, event: SessionEvent, signal: AbortSignal | undefined, replay: boolean): Promise<Ticket> {
      return new Promise<Ticket>((resolve, reject) => {
        const entry: Pending = { resolve, reject, signal, replay, parked: false, onAbort: undefined }
        pending.set(id, entry)
        const settledNow = dispatch(event)
        // The machine answers every request event in the same step. Should a
        // state ever ignore one, fail loudly instead of leaving the caller hanging.
        if (settledNow && pending.get(id) === entry && !entry.parked) {
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
      entry.parked = true
      const { signal } = entry
      if (signal === undefined) return
      entry.onAbort = () => {
        if (pending.get(id) !== entry) return
        take(id)
        dispatch({ type: 'request.aborted', id })
        entry.reject(signal.reason)
      }
      signal.addEventListener('abort', entry.onAbort, { once: true })
    },
    refuse(id: number, error: unknown): void {
      take(id)?.reject(error)
    },
    /** Sends every parked request; `replay` says whether that send is their one retry. */
    releaseParked(replay: boolean): void {
      for (const id of parked()) take(id)?.resolve(ticketFor(replay))
    },
    rejectParked(error: unknown): void {
      for (const id of parked()) take(id)?.reject(error)
    },
  }
}

export type RequestDesk = ReturnType<typeof requestDesk>
