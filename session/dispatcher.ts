import type { Actor } from 'xstate'
import type { sessionMachine } from '../machines/session.machine.js'
import type { SessionEvent } from '../machines/session.types.js'
import type { TokenKeeper } from './token-keeper.js'
import type { TokenRecord } from './token-records.js'

type TokenEvent = 'storage.loaded' | 'session.signedIn' | 'refresh.succeeded' | 'sibling.refreshed'

/**
 * How the session talks to its actor. `dispatch` sends an event, or only
 * queues it when an action sends one mid-transition (XState runs it after the
 * current one); `announce` hands the machine a token set: staged in the
 * keeper, announced by its metadata, and dropped if the machine did not
 * adopt it by the end of the outermost send.
 */
export function dispatcher(keeper: TokenKeeper) {
  let actor: Actor<typeof sessionMachine> | undefined
  let depth = 0

  /** Sends an event; false when it was only queued because the actor is mid-transition. Silent once stopped. */
  function dispatch(event: SessionEvent): boolean {
    if (actor === undefined) return true
    if (depth > 0) {
      actor.send(event)
      return false
    }
    depth++
    try {
      actor.send(event)
    } finally {
      depth--
      keeper.endSend()
    }
    return true
  }

  return {
    dispatch,
    announce: (tokens: TokenRecord, type: TokenEvent): void => {
      keeper.stage(tokens.record)
      dispatch({ type, ...tokens.metadata })
    },
    /** Whether the machine made `tokens` the ones in use. */
    adopted: (tokens: TokenRecord): boolean => keeper.current() === tokens.record,
    attach: (running: Actor<typeof sessionMachine>): void => void (actor = running),
    /** Nothing reaches the actor any more. */
    detach: (): void => void (actor = undefined),
  }
}
