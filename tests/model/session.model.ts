import { createActor, type EventFromLogic, type SnapshotFrom } from 'xstate'
import { createTestModel, serializeSnapshot, type TestPath } from 'xstate/graph'
import { canJoinBurst } from '../../machines/session.guards.js'
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
 * Grant ids of the model, in two tiers, so that the walk stays finite: the
 * first grant (restored from storage, or this session's `signIn`), and one
 * that replaces it while requests of the first are on the wire (a sibling
 * signing in, heard on the broadcast). A new grant is so always told apart
 * from the ones requests still carry. Both sources lead to the same event, so
 * the machine's transitions are the same either way.
 */
export const modelGrants = {
  /** Restored from storage, or started by this session's `signIn`. */
  first: 'model-grant-own-1',
  /** Started by a sibling, heard on the broadcast. */
  sibling: 'model-grant-sib-2',
} as const

const tierOf = (grant: string) => (grant === modelGrants.first ? 1 : 2)

/** The grant and generation of each `inFlight` key (`<generation>@<grant>`). */
export function keysOnWire(snapshot: Snapshot): Array<{ grant: string; generation: number }> {
  return Object.keys(snapshot.context.inFlight).map((key) => {
    const at = key.indexOf('@')
    return { generation: Number(key.slice(0, at)), grant: key.slice(at + 1) }
  })
}

/**
 * The grants a sign-in may start from this state. Grant ids only matter
 * against the tokens requests on the wire still carry: with none of the first
 * tier out there, a sign-in may take the first tier's id again.
 */
function newGrants(snapshot: Snapshot): string[] {
  const top = Math.max(0, ...keysOnWire(snapshot).map((key) => tierOf(key.grant)))
  return top === 0 ? [modelGrants.first] : top === 1 ? [modelGrants.sibling] : []
}

/**
 * The events the world could produce in a given state, with their payloads.
 * Only events the real world can actually cause are offered: a settle or a 401
 * needs a request of that token on the wire; a withdrawal needs a parked
 * request; a proactive refresh needs its timer armed.
 */
function candidateEvents(snapshot: Snapshot): Event[] {
  const { context } = snapshot
  const grant = context.grant ?? modelGrants.first
  const next = context.generation + 1
  // Every kind of first sign-in; a replacing one only as a fresh grant, so the walk stays small.
  const signIns = newGrants(snapshot).flatMap((fresh): Event[] =>
    fresh !== modelGrants.first
      ? [{ type: 'session.signedIn', grant: fresh, generation: 1, ...lifetimes.fresh, hasRefreshToken: true }]
      : [
          { type: 'session.signedIn', grant: fresh, generation: 1, ...lifetimes.fresh, hasRefreshToken: true },
          { type: 'session.signedIn', grant: fresh, generation: 1, ...lifetimes.bornExpired, hasRefreshToken: true },
          { type: 'session.signedIn', grant: fresh, generation: 1, ...lifetimes.fresh, hasRefreshToken: false },
        ],
  )
  return [
    { type: 'storage.loaded', grant: modelGrants.first, generation: 1, ...lifetimes.fresh, hasRefreshToken: true },
    { type: 'storage.loaded', grant: modelGrants.first, generation: 1, ...lifetimes.stale, hasRefreshToken: true },
    { type: 'storage.empty' },
    ...signIns,
    { type: 'session.signedOut' },
    { type: 'session.signedOut', grant },
    { type: 'request.sent', id: 0, now: 0 },
    { type: 'request.withdrawn', id: 0 },
    ...keysOnWire(snapshot).map((key): Event => ({ type: 'request.settled', ...key, replay: false })),
    { type: 'request.settled', grant, generation: context.generation, replay: true },
    // Counted: in the model's world every request reaches the chart (none joins a burst; see `request.sent`).
    ...keysOnWire(snapshot).map((key): Event => ({ type: 'token.rejected', id: 0, ...key, counted: true })),
    { type: 'refresh.due', grant, generation: context.generation },
    { type: 'refresh.succeeded', grant, generation: next, ...lifetimes.fresh, hasRefreshToken: true },
    { type: 'refresh.succeeded', grant, generation: next, ...lifetimes.bornExpired, hasRefreshToken: true },
    { type: 'lock.acquired' },
    { type: 'refresh.failed', code: 'SERVER_ERROR' },
    { type: 'refresh.rejected' },
    { type: 'attempt.due' },
    { type: 'network.online' },
    { type: 'network.offline' },
    { type: 'sibling.refreshed', grant, generation: next, ...lifetimes.fresh, hasRefreshToken: true },
    { type: 'sibling.expired', grant },
  ]
}

function alive(snapshot: Snapshot): number {
  const { inFlight, parked, replaying } = snapshot.context
  return Object.values(inFlight).reduce((sum, count) => sum + count, 0) + parked + replaying
}

function realizable(snapshot: Snapshot, event: Event): boolean {
  const { context } = snapshot
  switch (event.type) {
    // A request that would join the burst on the wire goes out without an event (canJoinBurst): the chart
    // does not hear it, so the walk offers `request.sent` only where the chart decides. That the session
    // and the chart agree on joining is proven in tests/session/burst.test.ts.
    case 'request.sent':
      return alive(snapshot) < maxRequests && !canJoinBurst(snapshot, event.now)
    case 'request.withdrawn':
      return context.parked > 0
    // Offered bare by createTestModel when no payload fits: only a request of
    // that token on the wire can settle or come back 401.
    case 'request.settled':
      return event.replay ? context.replaying > 0 : (context.inFlight[`${event.generation}@${event.grant}`] ?? 0) > 0
    case 'token.rejected':
      return (context.inFlight[`${event.generation}@${event.grant}`] ?? 0) > 0
    // Offered bare by createTestModel when no sign-in fits: a sign-in always starts a grant.
    case 'session.signedIn':
      return typeof event.grant === 'string'
    // The replacing grant is not refreshed: what the walk needs of it is that it replaced the first.
    case 'refresh.succeeded':
      return event.generation <= maxGeneration && tierOf(event.grant) === 1
    // A sibling can only have refreshed a grant this session holds.
    case 'sibling.refreshed':
      return event.generation <= maxGeneration && context.grant !== null && tierOf(event.grant) === 1
    // A sibling's ending names a grant: only the held one is worth offering (another grant's end changes nothing).
    case 'session.signedOut':
    case 'sibling.expired':
      return event.grant === undefined || context.grant !== null
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
