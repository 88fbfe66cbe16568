/**
 * Storm: K requests with a valid token (so connections are open), then the
 * server revokes every access token and K requests fire at once. Raw keeps
 * its valid token: it is the floor for K requests. The largest K runs once
 * more under the profiler to see where the client's time goes.
 */
import { performance } from 'node:perf_hooks'
import { LIBRARY, PEERS, type ContenderName } from '../contenders.js'
import { cpuCategories, profileWork, type CpuBreakdown } from '../cpu-profile.js'
import { cell, label, number, table } from '../markdown.js'
import { collect, cpuMicros, heapKb } from '../meters.js'
import { colorOf, COLORS } from '../palette.js'
import { defineScenario, notMeasured } from '../scenario.js'
import type { ScenarioRun } from '../scenario-run.js'
import { signIn } from '../sign-in.js'
import { slowerRows } from '../slower.js'
import { barChart, type BarRow } from '../svg.js'

/** One variant's parameters. */
export interface StormParams {
  k: number
  /** After the measured storm, run another under the V8 profiler for a CPU breakdown. */
  profile: boolean
}

/** What one trial stores in the results file. */
export interface StormResult {
  k: number
  ok: number
  failed: number
  unsettled: number
  /** From firing the first request to the last one settling. */
  timeMs: number
  cpuMs: number
  peakHeapKb: number
  refreshCalls: number
  reuseDetected: number
  resource401: number
  /** New TCP connections the resource server accepted during the storm (all were open before it). */
  newConnections: number
  /** Main-thread CPU of a second, profiled storm, in ms by category. */
  profileMs?: CpuBreakdown
}

/** The storm the target is about. */
const TARGET_K = 1000
/** Target: time to the last settle as a multiple of raw's for the same burst. */
const MAX_TIME_VS_RAW = 1.7
/** Peak heap is sampled this often, and after every this many settled requests. */
const SAMPLE_EVERY_MS = 1
const SAMPLE_EVERY_SETTLED = 16
/** A request still pending this long after the storm fired counts as unsettled. */
const SETTLE_LIMIT_MS = 60_000

type Run = ScenarioRun<StormParams, StormResult>

/** Every run, quick or not, has the full range of K: a storm is over in well under a second. */
const bursts: StormParams[] = [10, 100, 1000].map((k) => ({ k, profile: k === TARGET_K }))

const variantOfK = (k: number): string => `k=${k}`

const timeVsRaw = (run: Run, c: ContenderName, variant: string) =>
  run.metric(
    c,
    (r, trial) => {
      const raw = trial('raw')
      return raw === undefined ? undefined : r.timeMs / raw.timeMs
    },
    variant,
  )

/** Every request of every trial succeeded: being faster at failing is not better. */
const allSucceeded = (run: Run, c: ContenderName, variant: string): boolean => run.metric(c, (r) => r.ok - r.k, variant).min === 0

/** The variant that ran under the profiler, if any. */
const profiled = (run: Run) => run.variants.find((v) => v.params.profile)

/** Median main-thread CPU of the profiled storm by category, in ms. */
function profileOf(run: Run, c: ContenderName): (CpuBreakdown & { total: number }) | undefined {
  const variant = profiled(run)?.variant
  if (variant === undefined || !run.ran(c, variant)) return undefined
  const part = (key: keyof CpuBreakdown) => run.metric(c, (r) => r.profileMs?.[key], variant).median
  const out = {
    wrapper: part('wrapper'),
    xstate: part('xstate'),
    runtime: part('runtime'),
    gc: part('gc'),
    harness: part('harness'),
  }
  return { ...out, total: cpuCategories.reduce((sum, key) => sum + out[key], 0) }
}

/** The scenario, for the registry. */
export const storm = defineScenario<StormParams, StormResult>({
  name: 'storm',
  title: 'Storm',
  params: { quick: bursts, full: bursts },
  variantOf: (params) => variantOfK(params.k),
  needsServers: true,

  async trial(params, context) {
    const { contender, control, urls } = await signIn(context, { accessTtl: 3600 })
    const fire = () => Promise.all(Array.from({ length: params.k }, () => contender.get(urls.resource)))
    // The same burst with a valid token first: every contender meets the storm with its connections open.
    await fire()
    await control.resetStats()
    await collect()
    const baseline = heapKb()
    let peak = baseline
    const sample = () => {
      peak = Math.max(peak, heapKb())
    }
    // The raw floor keeps its valid token: it is the time the same burst takes without any refresh.
    if (context.contender !== 'raw') await control.revokeAccess()
    const sampler = setInterval(sample, SAMPLE_EVERY_MS)
    let settled = 0
    let ok = 0
    const cpu = cpuMicros()
    const started = performance.now()
    let last = started
    const all = Promise.all(
      Array.from({ length: params.k }, () =>
        contender.get(urls.resource).then((outcome) => {
          last = performance.now()
          settled++
          if (outcome.ok) ok++
          if (settled % SAMPLE_EVERY_SETTLED === 0) sample()
        }),
      ),
    )
    let timer: NodeJS.Timeout | undefined
    await Promise.race([all, new Promise((resolve) => (timer = setTimeout(resolve, SETTLE_LIMIT_MS)))])
    clearTimeout(timer)
    const cpuMs = (cpuMicros() - cpu) / 1000
    clearInterval(sampler)
    sample()
    const stats = await control.stats()
    let profile: CpuBreakdown | undefined
    if (params.profile) {
      // The same storm once more under the profiler, after the measured one, to see where the client's time goes.
      if (context.contender !== 'raw') await control.revokeAccess()
      profile = await profileWork(fire)
    }
    return {
      ...(profile === undefined ? {} : { profileMs: profile }),
      k: params.k,
      ok,
      failed: settled - ok,
      unsettled: params.k - settled,
      timeMs: last - started,
      cpuMs,
      peakHeapKb: peak - baseline,
      refreshCalls: stats.refreshCalls,
      reuseDetected: stats.reuseDetected,
      resource401: stats.resource401,
      newConnections: stats.resourceConnections,
    }
  },

  tables(run) {
    const rows = run.variants.flatMap(({ variant, params }) =>
      run.contenders
        .filter((c) => run.ran(c, variant))
        .map((c) => {
          const m = (pick: (r: StormResult) => number) => run.metric(c, pick, variant)
          return [
            String(params.k),
            label(c),
            `${cell(m((r) => r.ok))} / ${params.k}`,
            c === 'raw' ? '(valid token)' : cell(m((r) => r.refreshCalls)),
            c === 'raw' ? '' : cell(m((r) => r.reuseDetected)),
            cell(m((r) => r.timeMs)),
            cell(timeVsRaw(run, c, variant)),
            cell(m((r) => r.cpuMs)),
            cell(m((r) => r.peakHeapKb / 1024)),
            cell(m((r) => r.newConnections)),
            cell(m((r) => r.unsettled)),
          ]
        }),
    )
    const main = table(
      [
        'K',
        'contender',
        'succeeded',
        'refresh calls',
        'spent refresh token replayed',
        'time to last settle, ms',
        '÷ raw',
        'client CPU, ms',
        'peak heap above baseline, MB',
        'new connections',
        'unsettled',
      ],
      rows,
    )
    const profiles = run.contenders.flatMap((c) => {
      const p = profileOf(run, c)
      return p === undefined ? [] : [[label(c), number(p.total), ...cpuCategories.map((key) => number(p[key]))]]
    })
    const profile = table(
      ['contender', 'total', 'own code', 'xstate', 'Node built-ins (fetch, streams, …)', 'GC', 'harness'],
      profiles,
    )
    return [
      { key: 'table', caption: 'Every access token revoked, K requests at once', markdown: main },
      { key: 'profile', caption: 'Main-thread CPU of the profiled storm, ms', markdown: profile },
    ]
  },

  chart(run) {
    const last = run.variants.at(-1)
    if (last === undefined) return undefined
    const { variant, params } = last
    const raw = run.metric('raw', (r) => r.timeMs, variant)
    const rows: BarRow[] = run.contenders
      .filter((c) => run.ran(c, variant))
      .map((c) => {
        const time = run.metric(c, (r) => r.timeMs, variant)
        const ok = run.metric(c, (r) => r.ok, variant)
        const refreshes = run.metric(c, (r) => r.refreshCalls, variant)
        const allOk = allSucceeded(run, c, variant)
        return {
          label: c,
          segments: [{ value: time.median, color: c === 'raw' ? COLORS.raw : allOk ? colorOf(c) : COLORS.bad }],
          range: { min: time.min, max: time.max },
          note:
            c === 'raw'
              ? 'valid token, no refresh'
              : `${number(ok.median)}/${number(params.k)} ok · ${number(refreshes.median)} refresh call(s)`,
          bold: c === LIBRARY,
        }
      })
    return {
      file: 'storm.svg',
      alt: 'Storm: time until the last request settles',
      svg: barChart({
        title: `Storm: every access token revoked, ${number(params.k)} requests at once`,
        subtitle: `time until the last request settles; red: not every request succeeded${run.trials > 1 ? '; whiskers: min–max over trials' : ''}`,
        unit: 'ms until the last request settles (lower is better)',
        rows,
        ...(Number.isFinite(raw.median)
          ? { lines: [{ value: raw.median * MAX_TIME_VS_RAW, label: `target ${MAX_TIME_VS_RAW}× raw`, color: COLORS.target }] }
          : {}),
      }),
    }
  },

  targets(run) {
    const variant = variantOfK(TARGET_K)
    const target = `Storm K = ${TARGET_K}: time ≤ ${MAX_TIME_VS_RAW}× raw's for the same ${TARGET_K} requests, still exactly 1 refresh call and ${TARGET_K}/${TARGET_K} succeeded`
    if (!run.ran(LIBRARY, variant)) return [notMeasured('time', target)]
    const m = (pick: (r: StormResult) => number) => run.metric(LIBRARY, pick, variant)
    const ok = m((r) => r.ok)
    const refreshes = m((r) => r.refreshCalls)
    const ratio = timeVsRaw(run, LIBRARY, variant)
    const correct = ok.min === TARGET_K && refreshes.min === 1 && refreshes.max === 1
    return [
      {
        key: 'time',
        target,
        result: `${cell(ratio)}× raw (${cell(m((r) => r.timeMs))} ms vs raw ${cell(run.metric('raw', (r) => r.timeMs, variant))} ms); ${cell(ok)} / ${TARGET_K} succeeded, ${cell(refreshes)} refresh call(s)`,
        met: !correct ? false : ratio.n === 0 ? undefined : ratio.median <= MAX_TIME_VS_RAW,
      },
    ]
  },

  figures(run) {
    const variant = variantOfK(TARGET_K)
    const ratio = timeVsRaw(run, LIBRARY, variant)
    const ok = run.metric(LIBRARY, (r) => r.ok, variant)
    const refreshes = run.metric(LIBRARY, (r) => r.refreshCalls, variant)
    const through = PEERS.filter((p) => run.ran(p, variant) && allSucceeded(run, p, variant))
    const [mine, theirs] = [profileOf(run, LIBRARY), profileOf(run, 'oauth2-client')]
    const ms = (value: number | undefined) => number(value ?? Number.NaN)
    return {
      ks: run.variants.map((v) => v.params.k).join(', '),
      sampleEveryMs: String(SAMPLE_EVERY_MS),
      sampleEverySettled: String(SAMPLE_EVERY_SETTLED),
      hasProfile: profiled(run) !== undefined,
      targetK: String(TARGET_K),
      maxTimeVsRaw: String(MAX_TIME_VS_RAW),
      tooSlow: ratio.median > MAX_TIME_VS_RAW,
      overTarget: number(ratio.median / MAX_TIME_VS_RAW),
      incorrect: !(ok.min === TARGET_K && refreshes.min === 1 && refreshes.max === 1),
      peersThrough: through.length > 0,
      peerRatios: through.map((p) => `${p} ${cell(timeVsRaw(run, p, variant))}× raw`).join(', '),
      profiled: mine !== undefined && theirs !== undefined,
      libraryMs: ms(mine?.total),
      libraryXstateMs: ms(mine?.xstate),
      libraryOwnMs: ms(mine?.wrapper),
      libraryRuntimeMs: ms(mine?.runtime),
      libraryGcMs: ms(mine?.gc),
      oauth2ClientMs: ms(theirs?.total),
      oauth2ClientOwnMs: ms(theirs === undefined ? undefined : theirs.wrapper + theirs.xstate),
      oauth2ClientRuntimeMs: ms(theirs?.runtime),
      oauth2ClientGcMs: ms(theirs?.gc),
      profiledK: String(profiled(run)?.params.k ?? 'n/a'),
    }
  },

  reasons: ['storm', 'heap'],
  slower(run) {
    return run.variants.flatMap(({ variant }) => {
      const get = (pick: (r: StormResult) => number) => (c: ContenderName) =>
        run.ran(c, variant) && allSucceeded(run, c, variant) ? run.metric(c, pick, variant) : undefined
      return [
        ...slowerRows(
          { what: `Storm ${variant}: time to last settle`, unit: 'ms', higherIsBetter: false, why: 'storm' },
          get((r) => r.timeMs),
        ),
        ...slowerRows(
          { what: `Storm ${variant}: client CPU`, unit: 'ms', higherIsBetter: false, why: 'storm' },
          get((r) => r.cpuMs),
        ),
        ...slowerRows(
          { what: `Storm ${variant}: peak heap above baseline`, unit: 'MB', higherIsBetter: false, why: 'heap' },
          get((r) => r.peakHeapKb / 1024),
        ),
      ]
    })
  },
})
