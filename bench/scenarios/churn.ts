/**
 * Churn: access tokens that live one second, rotation on, and several
 * streams sending back to back for a while. Every expiry is a refresh under
 * load; the question is whether any request fails.
 */
import { performance } from 'node:perf_hooks'
import { LIBRARY, type ContenderName } from '../contenders.js'
import { cell, label, number, table } from '../markdown.js'
import { COLORS } from '../palette.js'
import { defineScenario, notMeasured } from '../scenario.js'
import type { ScenarioRun } from '../scenario-run.js'
import { signIn } from '../sign-in.js'
import { slowerRows } from '../slower.js'
import { barChart, type BarRow } from '../svg.js'

/** One variant's parameters. */
export interface ChurnParams {
  durationMs: number
  streams: number
  /** Whole seconds. */
  accessTtl: number
  /** Per stream, so a contender failing fast cannot loop unbounded. */
  maxRequestsPerStream: number
}

/** What one trial stores in the results file. */
export interface ChurnResult {
  durationMs: number
  ok: number
  failed: number
  /** Of the failed: the call rejected instead of resolving with a response. */
  rejected: number
  refreshCalls: number
  resource401: number
  reuseDetected: number
}

type Run = ScenarioRun<ChurnParams, ChurnResult>

const shape = { streams: 16, accessTtl: 1, maxRequestsPerStream: 200_000 }

/** Without failures only: a contender that fails fast also sends fast. */
const withoutFailures = (run: Run) => (pick: (r: ChurnResult) => number) => (c: ContenderName) =>
  run.ran(c) && run.metric(c, (r) => r.failed).max === 0 ? run.metric(c, pick) : undefined

/** The scenario, for the registry. */
export const churn = defineScenario<ChurnParams, ChurnResult>({
  name: 'churn',
  title: 'Churn',
  params: { quick: [{ durationMs: 2_500, ...shape }], full: [{ durationMs: 10_000, ...shape }] },
  needsServers: true,
  // Raw cannot refresh.
  takesPart: (contender) => contender !== 'raw',

  async trial(params, context) {
    const { contender, control, urls } = await signIn(context, { accessTtl: params.accessTtl })
    let ok = 0
    let failed = 0
    let rejected = 0
    const started = performance.now()
    const end = started + params.durationMs
    const loop = async () => {
      for (let i = 0; i < params.maxRequestsPerStream && performance.now() < end; i++) {
        const outcome = await contender.get(urls.resource)
        if (outcome.ok) ok++
        else {
          failed++
          if (outcome.rejected) rejected++
        }
      }
    }
    await Promise.all(Array.from({ length: params.streams }, loop))
    const durationMs = performance.now() - started
    const stats = await control.stats()
    return {
      durationMs,
      ok,
      failed,
      rejected,
      refreshCalls: stats.refreshCalls,
      resource401: stats.resource401,
      reuseDetected: stats.reuseDetected,
    }
  },

  tables(run) {
    const rows = run.contenders
      .filter((c) => run.ran(c))
      .map((c) => {
        const m = (pick: (r: ChurnResult) => number) => cell(run.metric(c, pick))
        return [
          label(c),
          m((r) => r.ok),
          m((r) => r.failed),
          m((r) => r.rejected),
          m((r) => r.refreshCalls),
          m((r) => r.resource401),
          m((r) => r.reuseDetected),
          m((r) => r.ok / (r.durationMs / 1000)),
        ]
      })
    const header = [
      'contender',
      'requests ok',
      'failed',
      'of which rejected',
      'refresh calls',
      '401s sent',
      'spent refresh token replayed',
      'ok / s',
    ]
    return [{ key: 'table', caption: 'Short-lived tokens under load', markdown: table(header, rows) }]
  },

  chart(run) {
    const contenders = run.contenders.filter((c) => run.ran(c))
    if (contenders.length === 0) return undefined
    const params = run.params()
    const rows: BarRow[] = contenders.map((c) => {
      const [ok, failed, refreshes] = [
        run.metric(c, (r) => r.ok),
        run.metric(c, (r) => r.failed),
        run.metric(c, (r) => r.refreshCalls),
      ]
      return {
        label: c,
        segments: [
          { value: ok.median, color: COLORS.good, name: 'ok' },
          { value: failed.median, color: COLORS.bad, name: 'failed' },
        ],
        note: `${number(failed.median)} failed · ${number(refreshes.median)} refreshes`,
        bold: c === LIBRARY,
      }
    })
    return {
      file: 'churn.svg',
      alt: 'Churn: requests ok and failed',
      svg: barChart({
        title: `Churn: ${params?.accessTtl ?? 1} s access tokens, ${params?.streams ?? 16} streams for ${(params?.durationMs ?? 10_000) / 1000} s`,
        subtitle: `requests that succeeded and failed; median of ${run.trials} trial(s)`,
        unit: 'requests (more ok is better, any failed is bad)',
        rows,
      }),
    }
  },

  targets(run) {
    const target = 'Churn: 0 failed requests'
    if (!run.ran(LIBRARY)) return [notMeasured('failed', target)]
    const failed = run.metric(LIBRARY, (r) => r.failed)
    return [
      {
        key: 'failed',
        target,
        result: `${cell(failed)} failed of ${cell(run.metric(LIBRARY, (r) => r.ok + r.failed))}`,
        met: failed.max === 0,
      },
    ]
  },

  figures(run) {
    const params = run.params()
    const ttl = params?.accessTtl ?? Number.NaN
    return {
      accessTtl: String(ttl),
      halfAccessTtl: number(ttl / 2),
      streams: String(params?.streams),
      durationS: String((params?.durationMs ?? Number.NaN) / 1000),
    }
  },

  reasons: ['churn', 'refreshes'],
  slower(run) {
    const get = withoutFailures(run)
    return [
      ...slowerRows(
        { what: 'Churn: successful requests', unit: 'requests', higherIsBetter: true, why: 'churn' },
        get((r) => r.ok),
      ),
      ...slowerRows(
        { what: 'Churn: refresh calls', unit: 'calls', higherIsBetter: false, why: 'refreshes' },
        get((r) => r.refreshCalls),
      ),
    ]
  },
})
