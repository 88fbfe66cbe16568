import { setTimeout as sleep } from 'node:timers/promises'
import { isSessionExpiredError } from '../index.js'
import type { AuthorizationServer } from '../tests/servers/index.js'
import type { DemoApp } from './app.js'
import { describeError, plural } from './format.js'
import type { DemoRequest, Stats } from './stats.js'
import { DEMO_REQUEST_HEADER } from './wire-tap.js'

/** Lifetime of access tokens: short, so that one run sees several of them expire. */
export const ACCESS_TOKEN_TTL_SECONDS = 3

/** How long the user takes to sign in again once sent to the login page; bursts meanwhile meet an expired session. */
const USER_SIGN_IN_DELAY_MS = 2_000

/** How long the end of the run waits for requests still on the wire. */
const DRAIN_TIMEOUT_MS = 5_000

export interface ScenarioPlan {
  durationMs: number
  burstEveryMs: number
  burstSize: number
  bursts: number
  /** The grant is revoked right before this burst goes out. */
  revokeBeforeBurst: number
  revokeAtMs: number
}

export function planScenario(durationMs: number): ScenarioPlan {
  const burstEveryMs = 1_500
  // The last second is left for the final burst to settle.
  const bursts = Math.floor((durationMs - 1_000) / burstEveryMs)
  // Ten seconds before the end leaves time for the session to expire and the
  // user to sign in again; never before 7 s, so that tokens have expired and
  // been refreshed at least twice first (short runs skip the signing in again).
  const revokeBeforeBurst = Math.ceil(Math.max(7_000, durationMs - 10_000) / burstEveryMs)
  return { durationMs, burstEveryMs, burstSize: 8, bursts, revokeBeforeBurst, revokeAtMs: revokeBeforeBurst * burstEveryMs }
}

export interface ScenarioOptions {
  app: DemoApp
  authorizationServer: AuthorizationServer
  /** The protected resource every request asks for. */
  dataUrl: string
  stats: Stats
  plan: ScenarioPlan
  /** Ends the traffic early (Ctrl-C); the run still settles and signs out. */
  signal: AbortSignal
}

/**
 * The story: the user signs in; bursts of concurrent requests run across
 * several token expiries; an administrator revokes the grant; the session
 * expires and the user signs in again; at the end the user signs out.
 */
export async function runScenario({ app, authorizationServer, dataUrl, stats, plan, signal }: ScenarioOptions): Promise<void> {
  await app.signIn()
  stats.record('scenario', 'user signs in (authorization code + PKCE)')

  const inFlight = new Set<Promise<void>>()
  for (let burst = 1; burst <= plan.bursts; burst += 1) {
    await pause(burst * plan.burstEveryMs - stats.elapsed(), signal)
    if (signal.aborted) break
    if (burst === plan.revokeBeforeBurst) await revokeGrant(app, authorizationServer, stats)
    const loginRequestedAt = app.loginRequestedAt()
    if (loginRequestedAt !== undefined && stats.elapsed() >= loginRequestedAt + USER_SIGN_IN_DELAY_MS) {
      await app.signIn()
      stats.record('scenario', 'user signs in again')
    }
    const requests = Array.from({ length: plan.burstSize }, () => stats.requestStarted(burst))
    const settled = Promise.all(requests.map((request) => send(app, dataUrl, stats, request))).then(() => {
      stats.record('traffic', describeBurst(burst, requests))
    })
    inFlight.add(settled)
    void settled.finally(() => inFlight.delete(settled))
  }

  await drain(inFlight)
  await pause(plan.durationMs - stats.elapsed(), signal)
  const revokes = app.storage.currentRefreshToken() !== undefined
  await app.session.signOut()
  stats.record('scenario', revokes ? 'user signs out: the session revokes its refresh token (RFC 7009)' : 'user signs out')
}

async function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (ms > 0) await sleep(ms, undefined, { signal }).catch(() => undefined)
}

async function revokeGrant(app: DemoApp, authorizationServer: AuthorizationServer, stats: Stats): Promise<void> {
  const refreshToken = app.storage.currentRefreshToken()
  if (refreshToken === undefined) {
    stats.record('scenario', 'no grant to revoke: the session holds no refresh token')
    return
  }
  await authorizationServer.revokeGrantOf(refreshToken)
  stats.revokedAt = stats.elapsed()
  stats.record('scenario', 'admin revokes the grant: the next refresh will get invalid_grant')
}

/** Never rejects: every outcome is recorded, as the caller saw it. */
async function send(app: DemoApp, dataUrl: string, stats: Stats, request: DemoRequest): Promise<void> {
  try {
    const response = await app.session.fetch(dataUrl, { headers: { [DEMO_REQUEST_HEADER]: String(request.id) } })
    await response.arrayBuffer()
    stats.requestEnded(request, response.ok ? 'ok' : 'httpError', `HTTP ${response.status}`)
  } catch (error) {
    stats.requestEnded(request, isSessionExpiredError(error) ? 'sessionExpired' : 'otherError', describeError(error))
  }
}

/** Waits for the bursts still on the wire, at most DRAIN_TIMEOUT_MS; the summary reports any that never settled. */
async function drain(inFlight: ReadonlySet<Promise<void>>): Promise<void> {
  const timeout = new AbortController()
  await Promise.race([Promise.all(inFlight), pause(DRAIN_TIMEOUT_MS, timeout.signal)])
  timeout.abort()
}

function describeBurst(burst: number, requests: readonly DemoRequest[]): string {
  const ok = requests.filter((request) => request.outcome?.kind === 'ok')
  const recovered = ok.filter((request) => request.sends[0] === 401).length
  const expired = requests.filter((request) => request.outcome?.kind === 'sessionExpired').length
  const other = requests.length - ok.length - expired
  const parts = [`${ok.length} ok${recovered > 0 ? ` (${recovered} after a 401 and one replay)` : ''}`]
  if (expired > 0) parts.push(`${expired} SessionExpiredError`)
  if (other > 0) parts.push(plural(other, 'other failure'))
  return `burst ${burst}: ${plural(requests.length, 'request')}, ${parts.join(', ')}`
}
