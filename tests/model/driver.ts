import { expect } from 'vitest'
import type { EventFromLogic, InspectionEvent, SnapshotFrom } from 'xstate'
import type { sessionMachine } from '../../machines/session.machine.js'
import type { TokenSession } from '../../session/create-token-session.js'
import { transitionKey } from './transitions.js'
import type { World } from './world.js'

type Snapshot = SnapshotFrom<typeof sessionMachine>
type Event = EventFromLogic<typeof sessionMachine>

interface RealRequest {
  number: number
  controller: AbortController
  done: boolean
  /** Whether the machine parked it in `refreshing`: its first send is then a release, counted as a replay. */
  parkedByRefresh: boolean
}

/** The ids of the state nodes a state value stands for, e.g. `{ active: 'idle' }` -> active, active.idle. */
export function stateIds(value: Snapshot['value'], prefix = 'tokenSession'): string[] {
  if (typeof value === 'string') return [`${prefix}.${value}`]
  return Object.entries(value).flatMap(([key, child]) => [
    `${prefix}.${key}`,
    ...stateIds(child as Snapshot['value'], `${prefix}.${key}`),
  ])
}

/** Records what the real actor executed: transitions (from `@xstate.microstep`) and states entered. */
export function executionRecorder() {
  const transitions = new Set<string>()
  const states = new Set<string>()
  return {
    transitions,
    states,
    inspect(inspection: InspectionEvent) {
      if (inspection.type !== '@xstate.microstep') return
      const { _transitions } = inspection as unknown as { _transitions: Parameters<typeof transitionKey>[0][] }
      for (const transition of _transitions) transitions.add(transitionKey(transition))
      for (const id of stateIds((inspection.snapshot as Snapshot).value)) states.add(id)
    },
  }
}

async function until(condition: () => boolean, describe: () => string): Promise<void> {
  const deadline = Date.now() + 3_000
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`the real session did not reach the model's state: ${describe()}`)
    await new Promise((resolve) => setTimeout(resolve, 1))
  }
}

function comparable(snapshot: Snapshot) {
  return { value: snapshot.value, context: snapshot.context }
}

/** The lifetime in seconds that yields the model's expiry on the world's clock (frozen at 0). */
const expiresInFor = (expiresAt: number | null) => (expiresAt === 0 ? 0 : 3600)

/**
 * Realizes model events in the real world: a model `token.rejected` becomes
 * a real 401 from the real server for a real request of that token
 * generation, a model `refresh.succeeded` a real token response, and so on.
 * After each, it waits until the real session has done everything the model
 * says it does (requests on the wire, parked, settled; refreshes started)
 * and then the state check compares the real actor with the model.
 */
export function createDriver(world: World, session: TokenSession) {
  const requests: RealRequest[] = []
  const generationOf = new Map<string, number>()
  let previous: Snapshot | undefined
  let refreshesExpected = 0
  let navigationsExpected = 0

  const real = () => session.actor.getSnapshot()
  const unanswered = () => world.arrivals.filter((arrival) => !arrival.answered && !requests[arrival.request - 1]?.done)
  const sendsOf = (number: number) => world.arrivals.filter((arrival) => arrival.request === number).length
  const isReplay = (number: number) => sendsOf(number) === 2 || requests[number - 1]?.parkedByRefresh === true

  function onWire(generation: number | undefined, replay: boolean) {
    return unanswered().find(
      (arrival) =>
        isReplay(arrival.request) === replay &&
        (generation === undefined || generationOf.get(arrival.accessToken) === generation),
    )
  }

  async function quiescent(model: Snapshot): Promise<void> {
    const wire = Object.values(model.context.inFlight).reduce((sum, count) => sum + count, 0) + model.context.retrying
    await until(
      () =>
        JSON.stringify(comparable(real())) === JSON.stringify(comparable(model)) &&
        unanswered().length === wire &&
        requests.filter((request) => !request.done).length === wire + model.context.waiting &&
        world.refreshes.length === refreshesExpected &&
        world.navigations === navigationsExpected,
      () =>
        `model ${JSON.stringify(comparable(model))}, real ${JSON.stringify(comparable(real()))}, ` +
        `on the wire ${unanswered().length}, alive ${requests.filter((r) => !r.done).length}, ` +
        `refreshes ${world.refreshes.length}/${refreshesExpected}, navigations ${world.navigations}/${navigationsExpected}`,
    )
  }

  function latestLock() {
    const request = world.lock.pending.pop()
    if (request === undefined) throw new Error('nobody is waiting for the lock')
    return request
  }

  function latestRefresh() {
    const refresh = world.refreshes.at(-1)
    if (refresh === undefined || refresh.answered) throw new Error('no refresh is waiting for an answer')
    return refresh
  }

  async function perform(event: Event, before: Snapshot, after: Snapshot): Promise<void> {
    switch (event.type) {
      case 'storage.loaded':
        generationOf.set('at-stored', 1)
        world.finishLoad({
          version: 1,
          accessToken: 'at-stored',
          refreshToken: 'rt-stored',
          expiresAt: event.expiresAt === null ? null : world.clock.wallNow() + event.expiresAt,
          generation: 1,
        })
        return
      case 'storage.empty':
        world.finishLoad(null)
        return
      case 'session.signedIn': {
        const tokens = world.issue(event.hasRefreshToken, expiresInFor(event.expiresAt))
        generationOf.set(tokens.access_token as string, event.generation)
        return session.signIn(tokens)
      }
      case 'session.signedOut':
        return session.signOut()
      case 'request.sent': {
        const request: RealRequest = {
          number: requests.length + 1,
          controller: new AbortController(),
          done: false,
          // Parked by a renewal (the model says it waits in `refreshing`): its first send is a release.
          parkedByRefresh: after.matches('refreshing') && after.context.waiting > before.context.waiting,
        }
        requests.push(request)
        const settle = () => void (request.done = true)
        void session.fetch(world.server.url(`/r/${request.number}`), { signal: request.controller.signal }).then(settle, settle)
        return
      }
      case 'request.settled': {
        const arrival = onWire(event.replay ? undefined : event.generation, event.replay)
        if (arrival === undefined) throw new Error(`no request on the wire fits ${JSON.stringify(event)}`)
        return arrival.answer(200)
      }
      case 'token.rejected': {
        const arrival = onWire(event.generation, false)
        if (arrival === undefined) throw new Error(`no first send on the wire fits ${JSON.stringify(event)}`)
        const request = requests[arrival.request - 1]
        if (request && before.matches('refreshing')) request.parkedByRefresh = true
        return arrival.answer(401)
      }
      case 'request.aborted': {
        const parked = requests.find(
          (request) => !request.done && unanswered().every((arrival) => arrival.request !== request.number),
        )
        if (parked === undefined) throw new Error('no parked request to abort')
        return parked.controller.abort()
      }
      case 'refresh.succeeded': {
        const refresh = latestRefresh()
        refresh.answer('success', expiresInFor(event.expiresAt))
        // The world's token endpoint issued the newest token set just now.
        generationOf.set(`at-${world.issuedCount()}`, event.generation)
        return
      }
      case 'refresh.failed':
        // Waiting for the lock, the failure is the lock's: it cannot be had in time.
        if (before.matches({ refreshing: 'locking' })) return latestLock().refuse()
        return latestRefresh().answer('server_error')
      case 'lock.acquired':
        return latestLock().grant()
      case 'refresh.rejected':
        return latestRefresh().answer('invalid_grant')
      case 'refresh.due': {
        const timer = world.clock.pending().find((pending) => pending.dueAt === real().context.refreshAt)
        if (timer === undefined) throw new Error('no proactive refresh timer is armed')
        return timer.fire()
      }
      case 'retry.due': {
        const [timer, ...others] = world.clock.pending()
        if (timer === undefined || others.length > 0)
          throw new Error(`expected exactly the retry timer, found ${others.length + (timer ? 1 : 0)}`)
        return timer.fire()
      }
      case 'sibling.refreshed': {
        const accessToken = `at-sibling-${event.generation}`
        generationOf.set(accessToken, event.generation)
        const tokens = {
          version: 1 as const,
          accessToken,
          refreshToken: `rt-sibling-${event.generation}`,
          expiresAt: event.expiresAt === null ? null : world.clock.wallNow() + event.expiresAt,
          generation: event.generation,
        }
        return world.broadcast.deliver({ type: 'tokens.changed', generation: event.generation, tokens })
      }
      case 'sibling.expired':
        return world.broadcast.deliver({ type: 'session.ended', reason: 'expired', generation: before.context.generation })
      case 'network.online':
      case 'network.offline':
        return world.environment.emit(event.type === 'network.online' ? 'online' : 'offline')
    }
  }

  return {
    events: Object.fromEntries(
      (
        [
          'storage.loaded',
          'storage.empty',
          'session.signedIn',
          'session.signedOut',
          'request.sent',
          'request.settled',
          'request.aborted',
          'token.rejected',
          'refresh.succeeded',
          'refresh.failed',
          'refresh.rejected',
          'refresh.due',
          'retry.due',
          'network.online',
          'network.offline',
          'sibling.refreshed',
          'sibling.expired',
          'lock.acquired',
        ] as const
      ).map((type) => [
        type,
        async ({ event, state }: { event: Event; state: Snapshot }) => {
          const before = previous ?? real()
          await perform(event, before, state)
          if (state.matches({ refreshing: 'exchanging' }) && !before.matches({ refreshing: 'exchanging' })) refreshesExpected++
          if (state.matches('expired') && !before.matches('expired')) navigationsExpected++
          previous = state
          await quiescent(state)
        },
      ]),
    ),
    states: {
      '*': (model: Snapshot) => {
        expect(comparable(real())).toEqual(comparable(model))
      },
    },
  }
}
