import type { Actor, Subscription } from 'xstate'
import type { sessionMachine } from '../machines/session.machine.js'
import type { SessionEventMap } from './session-options.js'
import type { Warn } from './warnings.js'

type Listener = (event: never) => void

/**
 * `session.on`: the machine's emitted events and the session's warnings.
 * Listeners run in a microtask after the transition that caused them, so
 * they may call back into the session; one that throws is a
 * `LISTENER_FAILED` warning, never a crash, and the others still run.
 */
export function sessionEvents() {
  const listeners = new Map<keyof SessionEventMap, Set<Listener>>()
  let subscriptions: Subscription[] = []
  let actor: Actor<typeof sessionMachine> | undefined

  // Listeners are looked up in the microtask: one added right after createTokenSession
  // still hears what went wrong while it was being created.
  function deliver(type: keyof SessionEventMap, event: SessionEventMap[keyof SessionEventMap]): void {
    queueMicrotask(() => {
      for (const listener of listeners.get(type) ?? []) {
        try {
          ;(listener as (event: SessionEventMap[keyof SessionEventMap]) => void)(event)
        } catch (error) {
          // A warning listener that throws has nobody left to tell.
          if (type !== 'warning') warn('LISTENER_FAILED', `A listener of "${type}" threw.`, error)
        }
      }
    })
  }

  const warn: Warn = (code, message, cause) =>
    deliver('warning', cause === undefined ? { code, message } : { code, message, cause })
  /** Announces that the session holds other tokens; the event says which, never what they are. */
  const tokensChanged = (grant: string, generation: number) =>
    deliver('tokensChanged', { type: 'tokensChanged', grant, generation })

  function subscribe(type: 'refreshed' | 'refreshFailed' | 'expired' | 'signedOut'): void {
    if (actor) subscriptions.push(actor.on(type, (event) => deliver(type, event)))
  }

  return {
    warn,
    tokensChanged,
    /** Connects the machine's emitted events; listeners added before hear them too. */
    attach(running: Actor<typeof sessionMachine>): void {
      actor = running
      for (const type of ['refreshed', 'refreshFailed', 'expired', 'signedOut'] as const) subscribe(type)
    },
    on: <TType extends keyof SessionEventMap>(type: TType, listener: (event: SessionEventMap[TType]) => void): (() => void) => {
      let set = listeners.get(type)
      if (set === undefined) listeners.set(type, (set = new Set()))
      const entry: Listener = listener
      set.add(entry)
      return () => void set.delete(entry)
    },
    close(): void {
      for (const subscription of subscriptions) subscription.unsubscribe()
      subscriptions = []
      listeners.clear()
    },
  }
}
