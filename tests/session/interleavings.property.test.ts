import fc from 'fast-check'
import { expect, test } from 'vitest'
import { inProcessLock } from '../../adapters/in-process-lock.js'
import type { Broadcast, Lock, StoredTokens } from '../../machines/ports.js'
import { createTokenSession, type TokenSession } from '../../session/create-token-session.js'
import { memoryAuthority, type MemoryAuthority, type RefreshMode } from '../support/memory-authority.js'
import { memoryBroadcastBus } from '../support/memory-broadcast.js'
import { sharedSlot } from '../support/scoped-sessions.js'

/**
 * Random interleavings of sign-ins (two users), sign-outs, refresh outcomes,
 * broadcasts (forged and stale ones included), aborts, port failures and
 * disposal, over three sessions of one scope and one session of another, all
 * on one channel and one lock. After every run:
 * - every request settled, and was sent at most twice;
 * - no request carried a token of a grant other than the one its session held when it was made;
 * - no refresh token was ever presented twice (the authority revokes the grant when one is);
 * - once nothing is in flight, every session of the scope holds the grant and
 *   generation its storage holds, or none; the other scope never saw the first's tokens.
 */

const RUNS = Number(process.env.PROPERTY_RUNS ?? 1_000)
const SEED = Number(process.env.PROPERTY_SEED ?? 20_261_201)
const ORIGIN = 'https://api.example.test'
const SCOPE = 'app'

type Action =
  | { type: 'signIn'; session: number; user: 'alice' | 'bob' }
  | { type: 'signOut'; session: number }
  | { type: 'request'; session: number; abort: 'never' | 'at once' | 'soon' }
  | { type: 'expire' }
  | { type: 'refreshes'; modes: RefreshMode[] }
  | { type: 'forge'; kind: 'junk' | 'stale' | 'other scope' | 'huge generation' | 'bad token' }
  | { type: 'fail'; port: 'publish' | 'lock' }
  | { type: 'dispose'; session: number }
  | { type: 'tick' }

const session = fc.integer({ min: 0, max: 3 })
const action: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      type: fc.constant('signIn' as const),
      session,
      user: fc.constantFrom('alice' as const, 'bob' as const),
    }),
  },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('signOut' as const), session }) },
  {
    weight: 6,
    arbitrary: fc.record({
      type: fc.constant('request' as const),
      session,
      abort: fc.constantFrom('never' as const, 'at once' as const, 'soon' as const),
    }),
  },
  { weight: 2, arbitrary: fc.constant({ type: 'expire' as const }) },
  {
    weight: 2,
    arbitrary: fc.record({
      type: fc.constant('refreshes' as const),
      modes: fc.array(fc.constantFrom<RefreshMode>('ok', 'server_error', 'invalid_grant'), { minLength: 1, maxLength: 3 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      type: fc.constant('forge' as const),
      kind: fc.constantFrom(
        'junk' as const,
        'stale' as const,
        'other scope' as const,
        'huge generation' as const,
        'bad token' as const,
      ),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ type: fc.constant('fail' as const), port: fc.constantFrom('publish' as const, 'lock' as const) }),
  },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('dispose' as const), session }) },
  { weight: 4, arbitrary: fc.constant({ type: 'tick' as const }) },
)

/** The world of one run: the authority, a channel whose next publish may fail, a lock that may refuse once. */
function world(authority: MemoryAuthority) {
  const bus = memoryBroadcastBus()
  const overheard: unknown[] = []
  bus.join().subscribe((message) => overheard.push(message))
  let failPublish = false
  const flakyBroadcast = (): Broadcast => {
    const inner = bus.join()
    return {
      publish(message) {
        if (failPublish) {
          failPublish = false
          return Promise.reject(new Error('the channel dropped it'))
        }
        return inner.publish(message)
      },
      subscribe: (listener) => inner.subscribe(listener),
      close: () => inner.close(),
    }
  }
  const realLock = inProcessLock()
  let refuseLock = false
  const lock: Lock = {
    withLock(name, task, options) {
      if (refuseLock) {
        refuseLock = false
        return Promise.reject(Object.assign(new Error('busy'), { name: 'LockTimeoutError' }))
      }
      return realLock.withLock(name, task, options)
    },
  }
  const slots = { app: sharedSlot(SCOPE), other: sharedSlot('other') }
  const forger = bus.join()
  return {
    slots,
    overheard,
    forger,
    failNextPublish: () => void (failPublish = true),
    refuseNextLock: () => void (refuseLock = true),
    /** Ports work again: failures scheduled but not yet met are dropped. */
    mend: () => void (failPublish = refuseLock = false),
    create(index: number): TokenSession {
      return createTokenSession({
        tokenEndpoint: authority.endpoint,
        fetch: authority.fetch,
        allowedOrigins: [ORIGIN],
        storage: index === 3 ? slots.other : slots.app,
        coordination: { lock, broadcast: flakyBroadcast() },
        refresh: { proactive: false, maxAttempts: 2, backoff: { initialDelay: 1, maxDelay: 2 } },
        random: () => 0.5,
      })
    },
  }
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0))

/** Totals over every run, printed at the end: what the property was checked against. */
const totals = { runs: 0, requests: 0, sends: 0, signIns: 0, grantsSeen: 0, rejectedSends: 0 }

async function run(actions: Action[]): Promise<void> {
  const authority = memoryAuthority()
  const place = world(authority)
  const sessions = [0, 1, 2, 3].map((index) => place.create(index))
  const disposed = new Set<number>()
  /** The family (user sign-in) of each grant id, learnt when a session signed in. */
  const familyOfGrant = new Map<string, string>()
  const requests: Array<{ id: string; session: number; grant: string | null; settled: number; outcome?: unknown }> = []
  const work: Promise<unknown>[] = []
  let requestCount = 0

  for (const step of actions) {
    switch (step.type) {
      case 'signIn': {
        const target = sessions[step.session] as TokenSession
        if (disposed.has(step.session)) break
        const tokens = authority.signIn(step.user)
        const signingIn = target.signIn(tokens)
        const grant = target.actor.getSnapshot().context.grant
        if (grant !== null) familyOfGrant.set(grant, authority.familyOf(tokens.access_token) as string)
        work.push(signingIn.catch(() => undefined))
        break
      }
      case 'signOut':
        if (!disposed.has(step.session)) work.push((sessions[step.session] as TokenSession).signOut().catch(() => undefined))
        break
      case 'request': {
        const target = sessions[step.session] as TokenSession
        const id = `r${++requestCount}`
        const controller = new AbortController()
        const record: (typeof requests)[number] = {
          id,
          session: step.session,
          grant: disposed.has(step.session) ? null : target.actor.getSnapshot().context.grant,
          settled: 0,
        }
        requests.push(record)
        const settle = (outcome: unknown) => {
          record.settled++
          record.outcome = outcome
        }
        const sent = target.fetch(`${ORIGIN}/data`, { headers: { 'x-request': id }, signal: controller.signal })
        work.push(sent.then(settle, settle))
        if (step.abort === 'at once') controller.abort()
        if (step.abort === 'soon') void tick().then(() => controller.abort())
        break
      }
      case 'expire':
        authority.expire()
        break
      case 'refreshes':
        authority.script(...step.modes)
        break
      case 'forge': {
        const last = [...place.overheard].reverse().find((message) => (message as { tokens?: unknown }).tokens !== undefined) as
          { grant: string; generation: number; tokens: StoredTokens } | undefined
        if (step.kind === 'junk') await place.forger.publish({ type: 'tokens.changed', scope: SCOPE } as never)
        if (step.kind === 'stale' && last) await place.forger.publish({ ...last, type: 'tokens.changed' } as never)
        if (step.kind === 'other scope' && last) {
          await place.forger.publish({ type: 'session.ended', scope: 'other', grant: last.grant, reason: 'signedOut' })
        }
        if (step.kind === 'huge generation' && last) {
          const generation = Number.MAX_SAFE_INTEGER
          await place.forger.publish({
            ...last,
            type: 'tokens.changed',
            generation,
            tokens: { ...last.tokens, generation },
          } as never)
        }
        if (step.kind === 'bad token' && last) {
          const generation = last.generation + 1
          const tokens = { ...last.tokens, generation, accessToken: 'forged token with spaces' }
          await place.forger.publish({ ...last, type: 'tokens.changed', generation, tokens } as never)
        }
        break
      }
      case 'fail':
        if (step.port === 'publish') place.failNextPublish()
        else place.refuseNextLock()
        break
      case 'dispose':
        disposed.add(step.session)
        ;(sessions[step.session] as TokenSession).dispose()
        break
      case 'tick':
        await tick()
        break
    }
  }

  // Everything settles: nothing hangs.
  await Promise.race([
    Promise.all(work),
    new Promise((_, reject) => setTimeout(() => reject(new Error('some call never settled')), 5_000)),
  ])
  for (const request of requests) expect(request.settled, `request ${request.id} settled once`).toBe(1)

  // Sent at most twice, and only with the grant its session held when the request was made.
  for (const request of requests) {
    const sends = authority.sends.filter((send) => send.request === request.id)
    expect(sends.length, `request ${request.id} sent at most twice`).toBeLessThanOrEqual(2)
    if (request.grant === null) continue
    const family = familyOfGrant.get(request.grant)
    if (family === undefined) continue // restored or followed before any sign-in of this run was observed
    for (const send of sends) expect(send.family, `request ${request.id} carried its own grant's token`).toBe(family)
  }
  expect(authority.reuses(), 'no refresh token was presented twice').toBe(0)

  // A dropped broadcast leaves a sibling one refresh behind: one more request per session, with
  // every port working again, catches it up.
  place.mend()
  authority.clearScript()
  authority.expire()
  for (const [index, target] of sessions.entries()) {
    if (disposed.has(index) || target.actor.getSnapshot().context.grant === null) continue
    await target.fetch(`${ORIGIN}/heal`).catch(() => undefined)
  }
  await tick()

  const stored = (await place.slots.app.load()) as StoredTokens | null
  for (const [index, target] of sessions.entries()) {
    if (disposed.has(index) || index === 3) continue
    const { grant, generation } = target.actor.getSnapshot().context
    if (grant === null) continue
    expect({ grant, generation }, `session ${index} holds what storage holds`).toEqual({
      grant: stored?.grant,
      generation: stored?.generation,
    })
  }
  // The other scope never held, stored or sent a grant of the first.
  const other = sessions[3] as TokenSession
  const otherStored = (await place.slots.other.load()) as StoredTokens | null
  if (otherStored) expect(otherStored.scope).toBe('other')
  if (!disposed.has(3)) {
    const otherGrant = other.actor.getSnapshot().context.grant
    if (otherGrant !== null && stored !== null) expect(otherGrant).not.toBe(stored.grant)
  }
  for (const request of requests.filter((r) => r.session === 3 && r.grant !== null)) {
    const family = familyOfGrant.get(request.grant as string)
    for (const send of authority.sends.filter((s) => s.request === request.id)) expect(send.family).toBe(family)
  }

  for (const [index, target] of sessions.entries()) if (!disposed.has(index)) target.dispose()
  totals.runs++
  totals.requests += requests.length
  totals.sends += authority.sends.length
  totals.rejectedSends += authority.sends.filter((send) => send.status === 401).length
  totals.signIns += actions.filter((step) => step.type === 'signIn').length
  totals.grantsSeen += new Set(authority.sends.map((send) => send.family)).size
}

test(`random interleavings over two scopes keep every grant to itself (${RUNS} runs, seed ${SEED})`, async () => {
  try {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 4, maxLength: 40, size: 'medium' }), (actions) => run(actions)),
      { numRuns: RUNS, seed: SEED },
    )
  } catch (error) {
    console.error(`interleavings property failed; reproduce with PROPERTY_SEED=${SEED}`)
    throw error
  }
  console.log(
    `interleavings: ${totals.runs} runs (seed ${SEED}), ${totals.signIns} sign-ins, ${totals.requests} requests, ` +
      `${totals.sends} sends (${totals.rejectedSends} answered 401), ${totals.grantsSeen} grants seen on the wire; ` +
      'every request settled once, none carried another grant, no refresh token reused',
  )
}, 300_000)
