import type { SnapshotFrom } from 'xstate'
import type { sessionMachine } from '../machines/session.machine.js'
import type { TokenSession } from '../session/session-options.js'

export type SessionSnapshot = SnapshotFrom<typeof sessionMachine>

/**
 * A value derived from the session's snapshot that tells its listeners only
 * when it changes (by `isEqual`): what every framework binding turns into
 * its own reactive shape, so that a view re-renders when what it shows
 * changes, not on every event the chart takes.
 */
export interface SessionSelection<T> {
  /** The value for the snapshot now; the same object as last time while `isEqual` holds. */
  get(): T
  /** Calls `listener` after each change of the value; returns the unsubscribe function. */
  subscribe(listener: (value: T) => void): () => void
}

export function selectFromSession<T>(
  session: TokenSession,
  select: (snapshot: SessionSnapshot) => T,
  isEqual: (a: T, b: T) => boolean = Object.is,
): SessionSelection<T> {
  let current = select(session.actor.getSnapshot())
  const listeners = new Set<(value: T) => void>()
  let following: { unsubscribe(): void } | undefined
  /** Recomputes the value; true when it changed. */
  const update = (snapshot: SessionSnapshot): boolean => {
    const next = select(snapshot)
    if (isEqual(current, next)) return false
    current = next
    return true
  }
  return {
    get() {
      update(session.actor.getSnapshot())
      return current
    },
    // One subscription to the actor for all listeners, held while there is any.
    subscribe(listener) {
      listeners.add(listener)
      following ??= session.actor.subscribe((snapshot) => {
        if (update(snapshot)) for (const notify of [...listeners]) notify(current)
      })
      return () => {
        listeners.delete(listener)
        if (listeners.size > 0) return
        following?.unsubscribe()
        following = undefined
      }
    },
  }
}
