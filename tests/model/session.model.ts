import { createActor, type EventFromLogic, type SnapshotFrom } from 'xstate'
import { createTestModel, serializeSnapshot, type TestPath } from 'xstate/graph'
import { sessionMachine } from '../../machines/session.machine.js'
import { transitionKey } from './transitions.js'

type Snapshot = SnapshotFrom<typeof sessionMachine>
type Event = EventFromLogic<typeof sessionMachine>

/** Keeps the walk finite and small: at most this many requests alive, this many token generations, this many attempts. */
const maxRequests = 2
const maxGeneration = 2
export const modelMaxAttempts = 2

/**
 * Token lifetimes the world can hand out, as the session computes them on the
 * model world's clock (frozen at 0, leeway 30 s, minimum interval 0): a
 * token good for an hour, and one born expired (`expires_in: 0`).
 */
export const lifetimes = {
  fresh: { expiresAt: 3_600_000, refreshAt: 3_570_000 },
  bornExpired: { expiresAt: 0, refreshAt: 0 },
  /** Read back from storage an hour after it expired. */
  stale: { expiresAt: -3_600_000, refreshAt: 0 },
} as const

/**
 * The events the world could produce in a given state, with their payloads.
 * Only events the real world can actually cause are offered: a settle or a 401
 * needs a request of that token generation on the wire; an abort needs a
 * parked request; a proactive refresh needs its timer armed.
 */
function candidateEvents(snapshot: Snapshot): Event[] {
  const { context } = snapshot
  const next = context.generation + 1
  const onWire = Object.keys(context.inFlight).map(Number)
  return [
    { type: 'storage.loaded', generation: 1, ...lifetimes.fresh, hasRefreshToken: true },
    { type: 'storage.loaded', generation: 1, ...lifetimes.stale, hasRefreshToken: true },
    { type: 'storage.empty' },
    { type: 'session.signedIn', generation: next, ...lifetimes.fresh, hasRefreshToken: true },
    { type: 'session.signedIn', generation: next, ...lifetimes.bornExpired, hasRefreshToken: true },
    { type: 'session.signedIn', generation: next, ...lifetimes.fresh, hasRefreshToken: false },
    { type: 'session.signedOut' },
    { type: 'request.sent', id: 0, now: 0 },
    { type: 'request.aborted', id: 0 },
    ...onWire.map((generation): Event => ({ type: 'request.settled', id: 0, generation, replay: false })),
    { type: 'request.settled', id: 0, generation: context.generation, replay: true },
    ...onWire.map((generation): Event => ({ type: 'token.rejected', id: 0, generation })),
    { type: 'refresh.due', generation: context.generation },
    { type: 'refresh.succeeded', generation: next, ...lifetimes.fresh, hasRefreshToken: true },
    { type: 'refresh.succeeded', generation: next, ...lifetimes.bornExpired, hasRefreshToken: true },
    { type: 'lock.acquired' },
    { type: 'refresh.failed', code: 'SERVER_ERROR' },
    { type: 'refresh.rejected' },
    { type: 'retry.due' },
    { type: 'network.online' },
    { type: 'network.offline' },
    { type: 'sibling.refreshed', generation: next, ...lifetimes.fresh, hasRefreshToken: true },
    { type: 'sibling.expired' },
  ]
}

function alive(snapshot: Snapshot): number {
  const { inFlight, waiting, retrying } = snapshot.context
  return Object.values(inFlight).reduce((sum, count) => sum + count, 0) + waiting + retrying
}

function realizable(snapshot: Snapshot, event: Event): boolean {
  const { context } = snapshot
  switch (event.type) {
    case 'request.sent':
      return alive(snapshot) < maxRequests
    case 'request.aborted':
      return context.waiting > 0
    // Offered bare by createTestModel when no payload fits: only a request of
    // that generation on the wire can settle or come back 401.
    case 'request.settled':
      return event.replay ? context.retrying > 0 : (context.inFlight[event.generation] ?? 0) > 0
    case 'token.rejected':
      return (context.inFlight[event.generation] ?? 0) > 0
    case 'session.signedIn':
    case 'refresh.succeeded':
    case 'sibling.refreshed':
      return event.generation <= maxGeneration
    // The proactive timer is armed from adoption until a refresh starts.
    case 'refresh.due':
      return context.refreshAt !== null
    // Only a run in progress can fail: waiting for the lock, or exchanging.
    case 'refresh.failed':
      return snapshot.matches({ refreshing: 'locking' }) || snapshot.matches({ refreshing: 'exchanging' })
    // Only a real change of connectivity is an event.
    case 'network.online':
      return !context.online
    case 'network.offline':
      return context.online
    default:
      return true
  }
}

/**
 * The test model: the production statechart itself, walked by `xstate/graph`.
 * A model state is the machine's snapshot plus the event and the state that
 * led to it, so that a transition which changes nothing (a refusal in
 * `expired`, say) still ends a path of its own and gets covered.
 */
export const sessionModel = createTestModel(sessionMachine, {
  input: { maxAttempts: modelMaxAttempts },
  events: candidateEvents,
  filterEvents: realizable,
  serializeState: (snapshot, event, previous) =>
    `${serializeSnapshot(snapshot)} via ${event?.type ?? 'start'} from ${JSON.stringify(previous?.value ?? null)}`,
})

export type SessionTestPath = TestPath<Snapshot, Event>

export function eventsOf(path: SessionTestPath): Event[] {
  return path.steps.map((step) => step.event).filter((event) => !event.type.startsWith('xstate.'))
}

/** The transitions a run of `events` takes in the pure machine, as `transitionKey`s. */
export function transitionsTaken(events: readonly Event[]): Set<string> {
  const taken = new Set<string>()
  const actor = createActor(sessionMachine, {
    input: { maxAttempts: modelMaxAttempts },
    inspect: (inspection) => {
      if (inspection.type !== '@xstate.microstep') return
      for (const transition of (inspection as unknown as { _transitions: Parameters<typeof transitionKey>[0][] })._transitions) {
        taken.add(transitionKey(transition))
      }
    },
  })
  actor.start()
  for (const event of events) actor.send(event)
  actor.stop()
  return taken
}
