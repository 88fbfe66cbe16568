/**
 * Failure: every access token revoked and every refresh refused with
 * `invalid_grant` after a delay; two waves of requests, the second after the
 * first settled. Every request must settle, quickly, after one refresh call.
 */
import { performance } from 'node:perf_hooks'
import { LIBRARY, type ContenderName } from '../contenders.js'
import { cell, label, number, table } from '../markdown.js'
import { defineScenario, notMeasured } from '../scenario.js'
import type { ScenarioRun } from '../scenario-run.js'
import { signIn } from '../sign-in.js'
import { slowerRows } from '../slower.js'
import { quantile } from '../stats.js'

/** One variant's parameters. */
export interface FailureParams {
  wave: number
  refreshDelayMs: number
  /** A request not settled this long after its wave fired counts as unsettled. */
  waveTimeoutMs: number
}

/** One wave of requests, as its trial saw it. */
export interface FailureWave {
  requests: number
  settled: number
  ok: number
  rejected: number
  /** Resolved with a 401 response. */
  http401: number
  p50Ms: number
  maxMs: number
  refreshCalls: number
}

/** What one trial stores in the results file. */
export interface FailureResult {
  refreshDelayMs: number
  waves: FailureWave[]
  refreshCalls: number
}

/** Waves of requests against the refusing token endpoint; the later ones show what a settled failure leaves behind. */
const WAVES = 2
/** Target: "none slower than the refresh latency plus a few ms"; a few = this many. */
const FEW_MS = 20

type Run = ScenarioRun<FailureParams, FailureResult>

const slowestOf = (r: FailureResult): number => Math.max(...r.waves.map((w) => w.maxMs))

/** How the library did against the target, in the worst trial. */
function verdict(run: Run) {
  const delay = run.params()?.refreshDelayMs ?? 500
  const unsettled = run.metric(LIBRARY, (r) => r.waves.reduce((sum, w) => sum + w.requests - w.settled, 0))
  const refreshes = run.metric(LIBRARY, (r) => r.refreshCalls)
  const slowest = run.metric(LIBRARY, slowestOf)
  return {
    delay,
    unsettled,
    refreshes,
    slowest,
    allSettled: unsettled.max === 0,
    oneRefresh: refreshes.max === 1 && refreshes.min === 1,
    fast: slowest.max <= delay + FEW_MS,
  }
}

/** The scenario, for the registry. */
export const failure = defineScenario<FailureParams, FailureResult>({
  name: 'failure',
  title: 'Failure',
  params: {
    quick: [{ wave: 20, refreshDelayMs: 500, waveTimeoutMs: 10_000 }],
    full: [{ wave: 100, refreshDelayMs: 500, waveTimeoutMs: 10_000 }],
  },
  needsServers: true,
  // Raw cannot refresh.
  takesPart: (contender) => contender !== 'raw',

  async trial(params, context) {
    const { contender, control, urls } = await signIn(context, { accessTtl: 3600 })
    await Promise.all(Array.from({ length: params.wave }, () => contender.get(urls.resource)))
    await control.configure({ refreshMode: 'invalid_grant', refreshDelayMs: params.refreshDelayMs })
    await control.revokeAccess()
    await control.resetStats()
    const waves: FailureWave[] = []
    let refreshesBefore = 0
    for (let w = 0; w < WAVES; w++) {
      const times: number[] = []
      let ok = 0
      let rejected = 0
      let http401 = 0
      const started = performance.now()
      const all = Promise.all(
        Array.from({ length: params.wave }, () =>
          contender.get(urls.resource).then((outcome) => {
            times.push(performance.now() - started)
            if (outcome.ok) ok++
            else if (outcome.rejected) rejected++
            else if (outcome.status === 401) http401++
          }),
        ),
      )
      let timer: NodeJS.Timeout | undefined
      await Promise.race([all, new Promise((resolve) => (timer = setTimeout(resolve, params.waveTimeoutMs)))])
      clearTimeout(timer)
      const { refreshCalls } = await control.stats()
      waves.push({
        requests: params.wave,
        settled: times.length,
        ok,
        rejected,
        http401,
        p50Ms: quantile(times, 0.5),
        // Unsettled requests count as the wave's timeout: a lower bound.
        maxMs: times.length === params.wave ? Math.max(...times) : params.waveTimeoutMs,
        refreshCalls: refreshCalls - refreshesBefore,
      })
      refreshesBefore = refreshCalls
    }
    return { refreshDelayMs: params.refreshDelayMs, waves, refreshCalls: refreshesBefore }
  },

  tables(run) {
    const columns = (c: ContenderName, index: number): string[] => {
      const m = (pick: (w: FailureWave) => number) =>
        run.metric(c, (r) => {
          const wave = r.waves[index]
          return wave === undefined ? undefined : pick(wave)
        })
      const [rejected, http401, ok] = [m((w) => w.rejected).median, m((w) => w.http401).median, m((w) => w.ok).median]
      const outcome = [
        rejected > 0 ? `${number(rejected)} rejected` : '',
        http401 > 0 ? `${number(http401)} × 401` : '',
        ok > 0 ? `${number(ok)} ok` : '',
      ]
      return [
        `${cell(m((w) => w.settled))} / ${cell(m((w) => w.requests))}`,
        cell(m((w) => w.maxMs)),
        cell(m((w) => w.refreshCalls)),
        outcome.filter((text) => text !== '').join(', '),
      ]
    }
    const waves = Array.from({ length: WAVES }, (_, index) => index)
    const rows = run.contenders.filter((c) => run.ran(c)).map((c) => [label(c), ...waves.flatMap((index) => columns(c, index))])
    const header = waves
      .map((index) => index + 1)
      .flatMap((n) => [`wave ${n} settled`, `wave ${n} slowest, ms`, `wave ${n} refresh calls`, `wave ${n} outcome`])
    return [{ key: 'table', caption: `Every refresh refused, ${WAVES} waves`, markdown: table(['contender', ...header], rows) }]
  },

  targets(run) {
    const v = verdict(run)
    const target = `Failure: every request settles, 1 refresh call, none slower than the refresh latency (${v.delay} ms) plus a few (≤ ${FEW_MS}) ms`
    if (!run.ran(LIBRARY)) return [notMeasured('settle', target)]
    return [
      {
        key: 'settle',
        target,
        result: `${v.allSettled ? 'all settled' : `${cell(v.unsettled)} unsettled`}; ${cell(v.refreshes)} refresh call(s); slowest ${cell(v.slowest)} ms (${number(v.slowest.median - v.delay)} ms over the refresh latency)`,
        met: v.allSettled && v.oneRefresh && v.fast,
      },
    ]
  },

  figures(run) {
    const params = run.params()
    const v = verdict(run)
    return {
      wave: String(params?.wave),
      waves: String(WAVES),
      refreshDelayMs: String(v.delay),
      tooSlow: !v.fast,
      worstOverDelayMs: number(v.slowest.max - v.delay),
      moreThanOneRefresh: !v.oneRefresh,
      unsettled: !v.allSettled,
    }
  },

  reasons: ['slowest'],
  slower: (run) =>
    slowerRows({ what: 'Failure: slowest request', unit: 'ms', higherIsBetter: false, why: 'slowest' }, (c: ContenderName) =>
      run.ran(c) ? run.metric(c, slowestOf) : undefined,
    ),
})
