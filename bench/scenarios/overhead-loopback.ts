/**
 * Overhead, loopback: a valid token and real requests to the resource
 * server, first one stream, then several concurrent streams; latency,
 * throughput and client CPU against raw `fetch` in the same trial.
 */
import { performance } from 'node:perf_hooks'
import { timeActor, type ActorTiming } from '../actor-timing.js'
import { LIBRARY, type Contender, type ContenderName } from '../contenders.js'
import { cell, label, number, table } from '../markdown.js'
import { collect, cpuMicros } from '../meters.js'
import { defineScenario, notMeasured } from '../scenario.js'
import type { ScenarioRun } from '../scenario-run.js'
import { signIn } from '../sign-in.js'
import { slowerRows } from '../slower.js'
import { quantile } from '../stats.js'

/** One variant's parameters. */
export interface LoopbackParams {
  warmup: number
  sequential: number
  concurrent: number
  streams: number
}

/** One phase (one stream, or several), as its trial saw it. */
export interface LoopbackPhase {
  requests: number
  failed: number
  p50Us: number
  p99Us: number
  rps: number
  /** Client CPU (user + system, all threads) per request. */
  cpuUsPerReq: number
}

/** What one trial stores in the results file. */
export interface LoopbackResult {
  sequential: LoopbackPhase
  concurrent: LoopbackPhase
  /** This library only: its actor's share of a sequential request. */
  actor?: ActorTiming
}

/** A token that outlives the trial: this scenario is about the cost of a valid token. */
const ACCESS_TTL_S = 3600
/** Target: requests/s over the concurrent streams, as a share of raw's in the same trial. */
const MIN_THROUGHPUT_VS_RAW = 0.9

type Run = ScenarioRun<LoopbackParams, LoopbackResult>
type Phase = 'sequential' | 'concurrent'

/**
 * `streams` loops share `total` requests; each loop sends its next request
 * once its previous one settled. Records latencies (µs) when asked.
 */
async function runStreams(contender: Contender, url: string, streams: number, total: number, latencies?: Float64Array) {
  let next = 0
  let failed = 0
  const loop = async () => {
    for (let i = next++; i < total; i = next++) {
      const started = performance.now()
      const outcome = await contender.get(url)
      if (latencies) latencies[i] = (performance.now() - started) * 1000
      if (!outcome.ok) failed++
    }
  }
  await Promise.all(Array.from({ length: streams }, loop))
  return failed
}

async function measurePhase(contender: Contender, url: string, streams: number, total: number): Promise<LoopbackPhase> {
  const latencies = new Float64Array(total)
  await collect()
  const cpu = cpuMicros()
  const started = performance.now()
  const failed = await runStreams(contender, url, streams, total, latencies)
  const elapsedMs = performance.now() - started
  return {
    requests: total,
    failed,
    p50Us: quantile(latencies, 0.5),
    p99Us: quantile(latencies, 0.99),
    rps: total / (elapsedMs / 1000),
    cpuUsPerReq: (cpuMicros() - cpu) / total,
  }
}

const phaseMetric = (run: Run, c: ContenderName, phase: Phase, pick: (p: LoopbackPhase) => number) =>
  run.metric(c, (r) => pick(r[phase]))

const vsRaw = (run: Run, c: ContenderName, phase: Phase, pick: (p: LoopbackPhase) => number) =>
  run.metric(c, (r, trial) => {
    const raw = trial('raw')
    return raw === undefined ? undefined : pick(r[phase]) / pick(raw[phase])
  })

const streamsOf = (run: Run): number => run.params()?.streams ?? 16

/** The scenario, for the registry. */
export const overheadLoopback = defineScenario<LoopbackParams, LoopbackResult>({
  name: 'overhead-loopback',
  title: 'Overhead, loopback',
  params: {
    quick: [{ warmup: 500, sequential: 1_000, concurrent: 4_000, streams: 16 }],
    full: [{ warmup: 2_000, sequential: 3_000, concurrent: 12_000, streams: 16 }],
  },
  needsServers: true,

  async trial(params, context) {
    const { contender, urls } = await signIn(context, { accessTtl: ACCESS_TTL_S })
    await runStreams(contender, urls.resource, params.streams, params.warmup)
    const sequential = await measurePhase(contender, urls.resource, 1, params.sequential)
    const concurrent = await measurePhase(contender, urls.resource, params.streams, params.concurrent)
    const actor = await timeActor(contender, urls.resource, params.sequential)
    return { sequential, concurrent, ...(actor === undefined ? {} : { actor }) }
  },

  tables(run) {
    const phaseTable = (phase: Phase): string => {
      const rows = run.contenders
        .filter((c) => run.ran(c))
        .map((c) => [
          label(c),
          cell(phaseMetric(run, c, phase, (p) => p.p50Us)),
          cell(phaseMetric(run, c, phase, (p) => p.p99Us)),
          cell(phaseMetric(run, c, phase, (p) => p.rps)),
          cell(vsRaw(run, c, phase, (p) => p.p50Us)),
          cell(vsRaw(run, c, phase, (p) => p.rps)),
          cell(phaseMetric(run, c, phase, (p) => p.cpuUsPerReq)),
          cell(phaseMetric(run, c, phase, (p) => p.failed)),
        ])
      return table(['contender', 'p50 µs', 'p99 µs', 'req/s', 'p50 ÷ raw', 'req/s ÷ raw', 'client CPU µs / req', 'failed'], rows)
    }
    return [
      { key: 'sequential', caption: 'One stream, valid token', markdown: phaseTable('sequential') },
      { key: 'concurrent', caption: `${streamsOf(run)} concurrent streams, valid token`, markdown: phaseTable('concurrent') },
    ]
  },

  targets(run) {
    const target = `Loopback, ${streamsOf(run)} streams: throughput ≥ ${MIN_THROUGHPUT_VS_RAW}× raw`
    if (!run.ran(LIBRARY)) return [notMeasured('throughput', target)]
    const ratio = vsRaw(run, LIBRARY, 'concurrent', (p) => p.rps)
    const rps = (c: ContenderName) => cell(phaseMetric(run, c, 'concurrent', (p) => p.rps))
    return [
      {
        key: 'throughput',
        target,
        result: `${cell(ratio)}× raw (${rps(LIBRARY)} req/s vs raw ${rps('raw')} req/s)`,
        met: ratio.n === 0 ? undefined : ratio.median >= MIN_THROUGHPUT_VS_RAW,
      },
    ]
  },

  figures(run) {
    const params = run.params()
    const actor = run.metric(LIBRARY, (r) => r.actor?.usPerRequest)
    const cpu = (c: ContenderName) => phaseMetric(run, c, 'sequential', (p) => p.cpuUsPerReq).median
    const gap = cpu(LIBRARY) - cpu('oauth2-client')
    const ratio = vsRaw(run, LIBRARY, 'concurrent', (p) => p.rps).median
    return {
      warmup: String(params?.warmup),
      sequentialRequests: String(params?.sequential),
      concurrentRequests: String(params?.concurrent),
      streams: String(streamsOf(run)),
      tokenHours: String(ACCESS_TTL_S / 3600),
      concurrentCpuUs: number(phaseMetric(run, LIBRARY, 'concurrent', (p) => p.cpuUsPerReq).median),
      rawConcurrentCpuUs: number(phaseMetric(run, 'raw', 'concurrent', (p) => p.cpuUsPerReq).median),
      actorTimed: actor.n > 0,
      actorUs: cell(actor),
      actorUsMedian: number(actor.median),
      cpuGapKnown: Number.isFinite(gap),
      cpuGapUs: number(gap),
      actorExplainsPartOfGap: actor.n > 0 && Number.isFinite(gap) && gap > actor.median,
      minThroughput: String(MIN_THROUGHPUT_VS_RAW),
      throughputVsRaw: number(ratio),
    }
  },

  reasons: ['loopback'],
  slower(run) {
    return (['sequential', 'concurrent'] as const).flatMap((phase) => {
      const name = phase === 'sequential' ? 'one stream' : `${streamsOf(run)} streams`
      const get = (pick: (p: LoopbackPhase) => number) => (c: ContenderName) =>
        run.ran(c) ? phaseMetric(run, c, phase, pick) : undefined
      return [
        ...slowerRows(
          { what: `Loopback ${name}: p50 latency`, unit: 'µs', higherIsBetter: false, why: 'loopback' },
          get((p) => p.p50Us),
        ),
        ...slowerRows(
          { what: `Loopback ${name}: requests/s`, unit: 'req/s', higherIsBetter: true, why: 'loopback' },
          get((p) => p.rps),
        ),
      ]
    })
  },
})
