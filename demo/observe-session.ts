import type { TokenSession } from '../index.js'
import { describeError, stateName } from './format.js'
import type { SessionView, Stats } from './stats.js'

type SessionSnapshot = ReturnType<TokenSession['actor']['getSnapshot']>

function viewOf(snapshot: SessionSnapshot): SessionView {
  const { generation, parked: waiting, inFlight, replaying } = snapshot.context
  const firstSends = Object.values(inFlight).reduce((sum, count) => sum + count, 0)
  return { state: stateName(snapshot.value), generation, waiting, onWire: firstSends + replaying }
}

/**
 * Feeds `stats` from the library itself: every snapshot of the statechart
 * and every event the session announces. Returns the function that stops
 * listening.
 */
export function observeSession(session: TokenSession, stats: Stats): () => void {
  stats.session = viewOf(session.actor.getSnapshot())
  const subscription = session.actor.subscribe({
    next(snapshot) {
      const previous = stats.session.state
      stats.session = viewOf(snapshot)
      const state = stats.session.state
      if (state === previous) return
      stats.record('state', `${previous} → ${state}`)
      // Only a refused refresh leads from `refreshing` (or one of its substates) to `expired`.
      if (previous.startsWith('refreshing') && state === 'expired') stats.library.refreshRejected += 1
    },
    // Without an error listener XState rethrows from a timer and the process
    // dies mid-panel; with one, the run ends normally and the checks fail.
    error(error) {
      stats.sessionError = error
      stats.record('session', `the statechart stopped: ${describeError(error)}`)
    },
  })

  const stops = [
    session.on('refreshed', ({ generation }) => {
      stats.library.refreshed += 1
      stats.record('session', `refreshed: token generation ${generation}`)
    }),
    session.on('refreshFailed', ({ code }) => {
      stats.library.refreshFailed += 1
      stats.record('session', `refreshFailed: ${code}, still signed in`)
    }),
    session.on('expired', () => {
      stats.library.expired += 1
      stats.record('session', 'expired: waiting requests rejected with SessionExpiredError')
    }),
    session.on('signedOut', () => {
      stats.library.signedOut += 1
      stats.record('session', 'signedOut')
    }),
    session.on('warning', ({ code, message }) => {
      stats.library.warnings += 1
      stats.record('session', `warning ${code}: ${message}`)
    }),
  ]

  return () => {
    subscription.unsubscribe()
    for (const stop of stops) stop()
  }
}
