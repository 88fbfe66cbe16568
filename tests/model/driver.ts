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
  /** The model grant and generation of every access token the world handed out. */
  const tokenOf = new Map<string, { grant: string; generation: number }>()
  /** Real grant ids (minted by the session's own `signIn`) by model grant id, and back. */
  const realGrant = new Map<string, string>()
  const modelGrant = new Map<string, string>()
  let previous: Snapshot | undefined
  let refreshesExpected = 0
  let navigationsExpected = 0

  const toModel = (grant: string) => modelGrant.get(grant) ?? grant
  const toReal = (grant: string) => realGrant.get(grant) ?? grant
  /** The real snapshot in the model's terms: grant ids mapped back to the model's. */
  function comparable(snapshot: Snapshot) {
    const { context } = snapshot
    const inFlight = Object.fromEntries(
      Object.entries(context.inFlight).map(([key, count]) => {
        const at = key.indexOf('@')
        return [`${key.slice(0, at)}@${toModel(key.slice(at + 1))}`, count]
      }),
    )
    return {
      value: snapshot.value,
      context: { ...context, grant: context.grant === null ? null : toModel(context.grant), inFlight },
    }
  }
  const sameToken = (accessToken: string, grant: string, generation: number) => {
    const token = tokenOf.get(accessToken)
    return token?.grant === grant && token.generation === generation
  }
  /** A record as a sibling would have written it, for the model's grant and generation. */
  const siblingRecord = (grant: string, generation: number, expiresAt: number | null) => {
    const accessToken = `at-sibling-${grant}-${generation}`
    tokenOf.set(accessToken, { grant, generation })
    return {
      version: 2 as const,
      scope: world.scope,
      grant: toReal(grant),
      generation,
      accessToken,
      refreshToken: `rt-sibling-${grant}-${generation}`,
      expiresAt: expiresAt === null ? null : world.clock.wallNow() + expiresAt,
    }
  }

  /** A sibling ended `grant`: it cleared the storage, then told the scope. */
  const siblingEnded = (grant: string, reason: 'signedOut' | 'expired') => {
    world.stored.record = null
    world.broadcast.deliver({ type: 'session.ended', scope: world.scope, grant: toReal(grant), reason })
  }

  const real = () => session.actor.getSnapshot()
  const unanswered = () => world.arrivals.filter((arrival) => !arrival.answered && !requests[arrival.request - 1]?.done)
  const sendsOf = (number: number) => world.arrivals.filter((arrival) => arrival.request === number).length
  const isReplay = (number: number) => sendsOf(number) === 2 || requests[number - 1]?.parkedByRefresh === true

  function onWire(token: { grant: string; generation: number } | undefined, replay: boolean) {
    return unanswered().find(
      (arrival) =>
        isReplay(arrival.request) === replay &&
        (token === undefined || sameToken(arrival.accessToken, token.grant, token.generation)),
    )
  }

  async function quiescent(model: Snapshot): Promise<void> {
    const wire = Object.values(model.context.inFlight).reduce((sum, count) => sum + count, 0) + model.context.replaying
    const expected = JSON.stringify({ value: model.value, context: model.context })
    await until(
      () =>
        JSON.stringify(comparable(real())) === expected &&
        unanswered().length === wire &&
        requests.filter((request) => !request.done).length === wire + model.context.parked &&
        world.refreshes.length === refreshesExpected &&
        world.navigations === navigationsExpected,
      () =>
        `model ${expected}, real ${JSON.stringify(comparable(real()))}, ` +
        `on the wire ${unanswered().length}, alive ${requests.filter((r) => !r.done).length}, ` +
        `refreshes ${world.refreshes.length}/${refreshesExpected}, navigations ${world.navigations}/${navigationsExpected}`,
    )
  }

  function earliestTimer() {
    const [timer] = world.clock.pending()
    if (timer === undefined) throw new Error('no timer is armed')
    return timer
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
        tokenOf.set('at-stored', { grant: event.grant, generation: 1 })
        world.finishLoad({
          version: 2,
          scope: world.scope,
          grant: event.grant,
          generation: 1,
          accessToken: 'at-stored',
          refreshToken: 'rt-stored',
          expiresAt: event.expiresAt === null ? null : world.clock.wallNow() + event.expiresAt,
        })
        return
      case 'storage.empty':
        world.finishLoad(null)
        return
      case 'session.signedIn': {
        if (event.grant.includes('-sib-')) {
          // A sibling signed in: it stored its record, then told the scope.
          const record = siblingRecord(event.grant, 1, event.expiresAt)
          world.stored.record = record
          return world.broadcast.deliver({
            type: 'session.started',
            scope: world.scope,
            grant: record.grant,
            generation: 1,
            tokens: record,
          })
        }
        const tokens = world.issue(event.hasRefreshToken, expiresInFor(event.expiresAt))
        tokenOf.set(tokens.access_token as string, { grant: event.grant, generation: 1 })
        const signedIn = session.signIn(tokens)
        // The session minted the grant id and adopted it in that same call.
        const minted = real().context.grant as string
        realGrant.set(event.grant, minted)
        modelGrant.set(minted, event.grant)
        return signedIn
      }
      case 'session.signedOut':
        if (event.grant === undefined) {
          void session.signOut()
          return
        }
        return siblingEnded(event.grant, 'signedOut')
      case 'request.sent': {
        const request: RealRequest = {
          number: requests.length + 1,
          controller: new AbortController(),
          done: false,
          // Parked by a renewal (the model says it is parked in `refreshing`): its first send is a release.
          parkedByRefresh: after.matches('refreshing') && after.context.parked > before.context.parked,
        }
        requests.push(request)
        const settle = () => void (request.done = true)
        void session.fetch(world.server.url(`/r/${request.number}`), { signal: request.controller.signal }).then(settle, settle)
        return
      }
      case 'request.settled': {
        const arrival = onWire(event.replay ? undefined : event, event.replay)
        if (arrival === undefined) throw new Error(`no request on the wire fits ${JSON.stringify(event)}`)
        return arrival.answer(200)
      }
      case 'token.rejected': {
        const arrival = onWire(event, false)
        if (arrival === undefined) throw new Error(`no first send on the wire fits ${JSON.stringify(event)}`)
        const request = requests[arrival.request - 1]
        if (request && before.matches('refreshing') && event.grant === before.context.grant) request.parkedByRefresh = true
        return arrival.answer(401)
      }
      case 'request.withdrawn': {
        const parked = requests.find(
          (request) => !request.done && unanswered().every((arrival) => arrival.request !== request.number),
        )
        if (parked === undefined) throw new Error('no parked request to withdraw')
        return parked.controller.abort()
      }
      case 'refresh.succeeded': {
        const refresh = latestRefresh()
        refresh.answer('success', expiresInFor(event.expiresAt))
        // The world's token endpoint issued the newest token set just now.
        tokenOf.set(`at-${world.issuedCount()}`, { grant: event.grant, generation: event.generation })
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
      // The backoff wait is the shortest timer armed: deadlines are seconds, the model's backoff a fraction of one.
      case 'attempt.due':
        return earliestTimer().fire()
      case 'sibling.refreshed': {
        // A sibling refreshed: it stored its record, then told the scope.
        const record = siblingRecord(event.grant, event.generation, event.expiresAt)
        world.stored.record = record
        return world.broadcast.deliver({
          type: 'tokens.changed',
          scope: world.scope,
          grant: record.grant,
          generation: event.generation,
          tokens: record,
        })
      }
      case 'sibling.expired':
        return siblingEnded(event.grant, 'expired')
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
          'request.withdrawn',
          'token.rejected',
          'refresh.succeeded',
          'refresh.failed',
          'refresh.rejected',
          'refresh.due',
          'attempt.due',
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
        expect(comparable(real())).toEqual({ value: model.value, context: model.context })
      },
    },
  }
}
