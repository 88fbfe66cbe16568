import type { SnapshotFrom } from 'xstate'
import type { sessionMachine } from '../machines/session.machine.js'

/**
 * Where the session is, as the chart's top-level states say it: what a UI
 * shows. `restoring` (reading storage), `signedOut` (no grant: show sign-in),
 * `active` (requests go out), `refreshing` (renewing; requests wait),
 * `expired` (the grant is over: show sign-in, the navigation has run).
 */
export type SessionStatus = 'restoring' | 'signedOut' | 'active' | 'refreshing' | 'expired'

/** The status of a session snapshot: `sessionStatus(session.actor.getSnapshot())`. */
export function sessionStatus(snapshot: SnapshotFrom<typeof sessionMachine>): SessionStatus {
  const value = snapshot.value
  return (typeof value === 'string' ? value : Object.keys(value)[0]) as SessionStatus
}
