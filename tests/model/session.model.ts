import { createActor, type EventFromLogic, type SnapshotFrom } from 'xstate'
import { createTestModel, serializeSnapshot, type TestPath } from 'xstate/graph'
import { sessionMachine } from '../../machines/session.machine.js'
import { transitionKey } from './transitions.js'

type Snapshot = SnapshotFrom<typeof sessionMachine>
type Event = EventFromLogic<typeof sessionMachine>

/** Keeps the walk finite and small: at most this many requests alive, and this many token generations. */
const maxRequests = 2
const maxGeneration = 3

/**
 * The events the world could produce in a given state, with their payloads.
 * Only events the real world can actually cause are offered: a settle or a 401
 * needs a request of that token generation on the wire; an abort needs a
 * parked request.
 */
function candidateEvents(snapshot: Snapshot): Event[] {
  const { context } = snapshot
  const next = context.generation + 1
  const onWire = Object.keys(context.inFlight).map(Number)
  return [
    { type: 'storage.loaded', generation: 1, expiresAt: null, hasRefreshToken: true },
    { type: 'storage.empty' },
    { type: 'session.signedIn', generation: next, expiresAt: null, hasRefreshToken: true },
    { type: 'session.signedIn', generation: next, expiresAt: null, hasRefreshToken: false },
    { type: 'session.signedOut' },
    { type: 'request.sent', id: 0 },
    { type: 'request.aborted', id: 0 },
    ...onWire.map((generation): Event => ({ type: 'request.settled', id: 0, generation, replay: false })),
    { type: 'request.settled', id: 0, generation: context.generation, replay: true },
    ...onWire.map((generation): Event => ({ type: 'token.rejected', id: 0, generation })),
    { type: 'refresh.succeeded', generation: next, expiresAt: null, hasRefreshToken: true },
    { type: 'refresh.failed', code: 'SERVER_ERROR' },
    { type: 'refresh.rejected' },
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
      return event.generation <= maxGeneration
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
