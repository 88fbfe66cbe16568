import type { StoredTokens } from '../machines/ports.js'
import type { Ticket } from './wire.js'

/**
 * The only place tokens live; the machine sees their metadata. A record
 * travels to the machine in two steps, because events must not carry tokens:
 * the session stages it, sends the event, and the machine's `adoptTokens`
 * action takes it by grant and generation. Whatever the machine did not
 * adopt is dropped once the send is over (`endSend`).
 */
export function tokenKeeper(onChange: (grant: string, generation: number) => void = () => undefined) {
  let current: StoredTokens | null = null
  /** The first-send ticket of `current`, made once: tickets are read-only. */
  let ticket: Ticket | null = null
  const staged = new Map<string, StoredTokens>()
  const keyOf = (grant: string, generation: number) => `${generation}@${grant}`

  return {
    /** The record in use, or null. */
    current: (): StoredTokens | null => current,
    /** A first send's ticket for the record in use, or null. */
    ticket: (): Ticket | null => ticket,
    stage(record: StoredTokens): void {
      staged.set(keyOf(record.grant, record.generation), record)
    },
    /** Called by the machine's `adoptTokens`: the staged record becomes the one in use. */
    adopt(grant: string, generation: number): void {
      const record = staged.get(keyOf(grant, generation))
      if (record === undefined || record === current) return
      current = record
      ticket = { accessToken: record.accessToken, grant, generation, replay: false }
      onChange(grant, generation)
    },
    /** The outermost send is over: nothing staged for it can be adopted any more. */
    endSend(): void {
      staged.clear()
    },
    /** Forgets everything held in memory. */
    drop(): void {
      current = null
      ticket = null
      staged.clear()
    },
  }
}

export type TokenKeeper = ReturnType<typeof tokenKeeper>
