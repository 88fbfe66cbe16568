import type { StoredTokens } from '../machines/ports.js'

/**
 * The only place tokens live; the machine sees their metadata. A record
 * travels to the machine in two steps, because events must not carry tokens:
 * the session stages it, sends the event, and the machine's `adoptTokens`
 * action takes it by grant and generation. Whatever the machine did not
 * adopt is dropped once the send is over (`endSend`).
 */
export function tokenKeeper() {
  let current: StoredTokens | null = null
  const staged = new Map<string, StoredTokens>()
  const keyOf = (grant: string, generation: number) => `${generation}@${grant}`

  return {
    /** The record in use, or null. */
    current: (): StoredTokens | null => current,
    stage(record: StoredTokens): void {
      staged.set(keyOf(record.grant, record.generation), record)
    },
    /** Called by the machine's `adoptTokens`: the staged record becomes the one in use. */
    adopt(grant: string, generation: number): void {
      current = staged.get(keyOf(grant, generation)) ?? current
    },
    /** The outermost send is over: nothing staged for it can be adopted any more. */
    endSend(): void {
      staged.clear()
    },
    /** Forgets everything held in memory. */
    drop(): void {
      current = null
      staged.clear()
    },
  }
}

export type TokenKeeper = ReturnType<typeof tokenKeeper>
