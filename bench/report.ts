/**
 * Turns a results file into tables, charts and `docs/benchmarks.md`.
 * `tsx bench/report.ts [results.json]` regenerates the docs from a results
 * file without running anything; `run.ts` calls `writeReport` after a run.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import * as prettier from 'prettier'
import { LIBRARY, type ContenderName } from './contenders.js'
import type {
  BenchResults,
  ChurnResult,
  CpuBreakdown,
  FailureResult,
  MemoryResult,
  OverheadInprocessResult,
  OverheadLoopbackResult,
  ScenarioName,
  StormResult,
  TrialRecord,
  TrialResult,
} from './spec.js'
import { round, spread, type Spread } from './stats.js'
import { barChart, type BarRow } from './svg.js'

const root = fileURLToPath(new URL('..', import.meta.url))
export const DEFAULT_RESULTS = `${root}bench/results/latest.json`
const DOC = `${root}docs/benchmarks.md`
const CHART_DIR = `${root}docs/benchmarks`

/** The two published libraries the issue names as peers. `seed` and `raw` are reference points, not peers. */
const PEERS: ContenderName[] = ['oauth2-client', 'axios-auth-refresh']
/** Failure target: "none slower than the refresh latency plus a few ms"; a few = this many. */
const FEW_MS = 20
const SIZE_TARGET_BYTES = 5000

const COLORS = { library: '#2b6cb0', peer: '#a0aec0', raw: '#4a5568', bad: '#e53e3e', good: '#38a169', target: '#d69e2e' }
const colorOf = (contender: ContenderName): string =>
  contender === LIBRARY ? COLORS.library : contender === 'raw' ? COLORS.raw : COLORS.peer

/** Reads one metric across trials: `pick` gets the contender's result and raw's from the same trial. */
function metric<R extends TrialResult>(
  results: BenchResults,
  scenario: ScenarioName,
  variant: string,
  contender: ContenderName,
  pick: (result: R, raw: R | undefined) => number | undefined,
): Spread {
  const mine = results.trials.filter(
    (record) => record.scenario === scenario && record.variant === variant && record.contender === contender,
  )
  const values: number[] = []
  for (const record of mine) {
    if (record.result === undefined) continue
    const raw = results.trials.find(
      (other) =>
        other.scenario === scenario && other.variant === variant && other.contender === 'raw' && other.trial === record.trial,
    )
    const value = pick(record.result as R, raw?.result as R | undefined)
    if (value !== undefined) values.push(value)
  }
  return spread(values)
}

function ran(results: BenchResults, scenario: ScenarioName, variant: string, contender: ContenderName): boolean {
  return results.trials.some(
    (record) =>
      record.scenario === scenario && record.variant === variant && record.contender === contender && record.result !== undefined,
  )
}

function errorsOf(results: BenchResults): TrialRecord[] {
  return results.trials.filter((record) => record.error !== undefined)
}

const number = (value: number): string => {
  if (!Number.isFinite(value)) return 'n/a'
  const rounded = round(value)
  return Math.abs(rounded) >= 10_000 ? rounded.toLocaleString('en-US') : String(rounded)
}

/** "median (min–max)", or just the value when every trial agrees. */
function cell(s: Spread, scale = 1): string {
  if (s.n === 0) return 'n/a'
  const [median, min, max] = [s.median * scale, s.min * scale, s.max * scale]
  if (s.n === 1 || number(min) === number(max)) return number(median)
  return `${number(median)} (${number(min)}–${number(max)})`
}

/** Numbers right-aligned, text left-aligned: a column is numeric when every non-empty cell starts like a number. */
function table(header: string[], rows: string[][]): string {
  const numeric = header.map((_, i) =>
    rows.every((row) => {
      const value = (row[i] ?? '').replace(/\*/g, '')
      return value === '' || /^[-\d(]|^n\/a/.test(value)
    }),
  )
  const lines = [`| ${header.join(' | ')} |`, `| ${header.map((_, i) => (numeric[i] === true ? '---:' : '---')).join(' | ')} |`]
  for (const row of rows) lines.push(`| ${row.join(' | ')} |`)
  return lines.join('\n')
}

const label = (contender: ContenderName): string => (contender === LIBRARY ? `**${contender}**` : contender)

const variantsOf = (results: BenchResults, scenario: ScenarioName): string[] =>
  results.meta.scenarios.filter((spec) => spec.scenario === scenario).map((spec) => spec.variant)

function specOf<S extends BenchResults['meta']['scenarios'][number]['scenario']>(
  results: BenchResults,
  scenario: S,
): Extract<BenchResults['meta']['scenarios'][number], { scenario: S }> | undefined {
  return results.meta.scenarios.find((spec) => spec.scenario === scenario) as
    Extract<BenchResults['meta']['scenarios'][number], { scenario: S }> | undefined
}

// ---------------------------------------------------------------- tables

export function overheadTables(results: BenchResults): string {
  const parts: string[] = []
  const { contenders } = results.meta
  if (variantsOf(results, 'overhead-inprocess').length > 0) {
    const rows = contenders
      .filter((c) => ran(results, 'overhead-inprocess', '', c))
      .map((c) => [
        label(c),
        cell(metric<OverheadInprocessResult>(results, 'overhead-inprocess', '', c, (r) => r.cpuUsPerReq)),
        c === 'raw'
          ? '(floor)'
          : cell(
              metric<OverheadInprocessResult>(results, 'overhead-inprocess', '', c, (r, raw) =>
                raw === undefined ? undefined : r.cpuUsPerReq - raw.cpuUsPerReq,
              ),
            ),
        cell(metric<OverheadInprocessResult>(results, 'overhead-inprocess', '', c, (r) => r.wallUsPerReq)),
        cell(metric<OverheadInprocessResult>(results, 'overhead-inprocess', '', c, (r) => r.failed)),
      ])
    parts.push(
      '#### In-process: `fetch` replaced by a stub returning a prebuilt Response\n\n' +
        table(['contender', 'CPU µs / request', 'above raw, µs', 'wall µs / request', 'failed'], rows),
    )
    const breakdown = contenders
      .filter((c) => ran(results, 'overhead-inprocess', '', c))
      .map((c) => {
        const b = breakdownUs(results, c)
        return [
          label(c),
          number(b.total),
          number(b.wrapper),
          number(b.xstate),
          number(b.runtime),
          number(b.gc),
          number(b.harness),
        ]
      })
    parts.push(
      'Where that CPU goes, from one extra round under the V8 sampling profiler (µs per request, median share × median total; "own code" is the library\'s files, the peer\'s package, or the seed snippet):\n\n' +
        table(['contender', 'total', 'own code', 'xstate', 'Node built-ins', 'GC', 'harness + stub'], breakdown),
    )
    const actor = metric<OverheadInprocessResult>(results, 'overhead-inprocess', '', LIBRARY, (r) => r.actor?.usPerRequest)
    const actorLoop = metric<OverheadLoopbackResult>(results, 'overhead-loopback', '', LIBRARY, (r) => r.actor?.usPerRequest)
    if (actor.n > 0)
      parts.push(
        `Wall time inside the library's \`actor.send\` (two events per request), timed in an extra pass after the measured ones: ${cell(actor)} µs per request in-process${actorLoop.n > 0 ? `, ${cell(actorLoop)} µs per request between real sequential loopback requests` : ''}.`,
      )
  }
  if (variantsOf(results, 'overhead-loopback').length > 0) {
    for (const phase of ['sequential', 'concurrent'] as const) {
      const spec = specOf(results, 'overhead-loopback')
      const title = phase === 'sequential' ? 'one stream' : `${spec?.streams ?? 16} concurrent streams`
      const pick = (f: (p: OverheadLoopbackResult['sequential']) => number) => (r: OverheadLoopbackResult) => f(r[phase])
      const ratio =
        (f: (p: OverheadLoopbackResult['sequential']) => number) =>
        (r: OverheadLoopbackResult, raw: OverheadLoopbackResult | undefined) =>
          raw === undefined ? undefined : f(r[phase]) / f(raw[phase])
      const rows = contenders
        .filter((c) => ran(results, 'overhead-loopback', '', c))
        .map((c) => [
          label(c),
          cell(
            metric(
              results,
              'overhead-loopback',
              '',
              c,
              pick((p) => p.p50Us),
            ),
          ),
          cell(
            metric(
              results,
              'overhead-loopback',
              '',
              c,
              pick((p) => p.p99Us),
            ),
          ),
          cell(
            metric(
              results,
              'overhead-loopback',
              '',
              c,
              pick((p) => p.rps),
            ),
          ),
          cell(
            metric(
              results,
              'overhead-loopback',
              '',
              c,
              ratio((p) => p.p50Us),
            ),
          ),
          cell(
            metric(
              results,
              'overhead-loopback',
              '',
              c,
              ratio((p) => p.rps),
            ),
          ),
          cell(
            metric(
              results,
              'overhead-loopback',
              '',
              c,
              pick((p) => p.cpuUsPerReq),
            ),
          ),
          cell(
            metric(
              results,
              'overhead-loopback',
              '',
              c,
              pick((p) => p.failed),
            ),
          ),
        ])
      parts.push(
        `#### Loopback, ${title}, valid token\n\n` +
          table(['contender', 'p50 µs', 'p99 µs', 'req/s', 'p50 ÷ raw', 'req/s ÷ raw', 'client CPU µs / req', 'failed'], rows),
      )
    }
  }
  return parts.join('\n\n')
}

/** Main-thread CPU of the profiled storm, by where it went. */
function stormProfile(results: BenchResults, contender: ContenderName): (CpuBreakdown & { total: number }) | undefined {
  const variant = variantsOf(results, 'storm').find((v) =>
    results.trials.some((t) => t.scenario === 'storm' && t.variant === v && (t.result as StormResult | undefined)?.profileMs),
  )
  if (variant === undefined || !ran(results, 'storm', variant, contender)) return undefined
  const part = (key: keyof CpuBreakdown) =>
    metric<StormResult>(results, 'storm', variant, contender, (r) => r.profileMs?.[key]).median
  const out = {
    wrapper: part('wrapper'),
    xstate: part('xstate'),
    runtime: part('runtime'),
    gc: part('gc'),
    harness: part('harness'),
  }
  return { ...out, total: out.wrapper + out.xstate + out.runtime + out.gc + out.harness }
}

export function stormProfileTable(results: BenchResults): string {
  const k = variantsOf(results, 'storm').find((v) =>
    results.trials.some((t) => t.scenario === 'storm' && t.variant === v && (t.result as StormResult | undefined)?.profileMs),
  )
  if (k === undefined) return ''
  const rows = results.meta.contenders.flatMap((c) => {
    const p = stormProfile(results, c)
    return p === undefined
      ? []
      : [[label(c), number(p.total), number(p.wrapper), number(p.xstate), number(p.runtime), number(p.gc), number(p.harness)]]
  })
  return (
    `Where the client's main thread spends the storm (${k.replace('k=', 'K = ')}), from a second storm run under the V8 sampling profiler right after the measured one (ms, median over trials; GC helper threads are not in it, so the totals are below the CPU column above):\n\n` +
    table(['contender', 'total', 'own code', 'xstate', 'Node built-ins (fetch, streams, …)', 'GC', 'harness'], rows)
  )
}

export function stormTable(results: BenchResults): string {
  const rows: string[][] = []
  for (const variant of variantsOf(results, 'storm')) {
    for (const c of results.meta.contenders.filter((c) => ran(results, 'storm', variant, c))) {
      const m = (f: (r: StormResult, raw: StormResult | undefined) => number | undefined) =>
        metric(results, 'storm', variant, c, f)
      const k = m((r) => r.k).median
      rows.push([
        variant.replace('k=', ''),
        label(c),
        `${cell(m((r) => r.ok))} / ${k}`,
        c === 'raw' ? '(valid token)' : cell(m((r) => r.refreshCalls)),
        c === 'raw' ? '' : cell(m((r) => r.reuseDetected)),
        cell(m((r) => r.timeMs)),
        cell(m((r, raw) => (raw === undefined ? undefined : r.timeMs / raw.timeMs))),
        cell(m((r) => r.cpuMs)),
        cell(m((r) => r.peakHeapKb / 1024)),
        cell(m((r) => r.newConnections)),
        cell(m((r) => r.unsettled)),
      ])
    }
  }
  return table(
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
}

export function churnTable(results: BenchResults): string {
  const rows = results.meta.contenders
    .filter((c) => ran(results, 'churn', '', c))
    .map((c) => {
      const m = (f: (r: ChurnResult) => number) => metric<ChurnResult>(results, 'churn', '', c, f)
      return [
        label(c),
        cell(m((r) => r.ok)),
        cell(m((r) => r.failed)),
        cell(m((r) => r.rejected)),
        cell(m((r) => r.refreshCalls)),
        cell(m((r) => r.resource401)),
        cell(m((r) => r.reuseDetected)),
        cell(m((r) => r.ok / (r.durationMs / 1000))),
      ]
    })
  return table(
    [
      'contender',
      'requests ok',
      'failed',
      'of which rejected',
      'refresh calls',
      '401s sent',
      'spent refresh token replayed',
      'ok / s',
    ],
    rows,
  )
}

export function failureTable(results: BenchResults): string {
  const rows = results.meta.contenders
    .filter((c) => ran(results, 'failure', '', c))
    .map((c) => {
      const m = (f: (r: FailureResult) => number | undefined) => metric<FailureResult>(results, 'failure', '', c, f)
      const wave = (i: number) => (r: FailureResult) => r.waves[i]
      const settled = (i: number) => `${cell(m((r) => wave(i)(r)?.settled))} / ${cell(m((r) => wave(i)(r)?.requests))}`
      const how = (i: number) => {
        const rejected = m((r) => wave(i)(r)?.rejected).median
        const http401 = m((r) => wave(i)(r)?.http401).median
        const ok = m((r) => wave(i)(r)?.ok).median
        return [
          rejected > 0 ? `${number(rejected)} rejected` : '',
          http401 > 0 ? `${number(http401)} × 401` : '',
          ok > 0 ? `${number(ok)} ok` : '',
        ]
          .filter((text) => text !== '')
          .join(', ')
      }
      return [
        label(c),
        settled(0),
        cell(m((r) => wave(0)(r)?.maxMs)),
        cell(m((r) => wave(0)(r)?.refreshCalls)),
        how(0),
        settled(1),
        cell(m((r) => wave(1)(r)?.maxMs)),
        cell(m((r) => wave(1)(r)?.refreshCalls)),
        how(1),
      ]
    })
  return table(
    [
      'contender',
      'wave 1 settled',
      'wave 1 slowest, ms',
      'wave 1 refresh calls',
      'wave 1 outcome',
      'wave 2 settled',
      'wave 2 slowest, ms',
      'wave 2 refresh calls',
      'wave 2 outcome',
    ],
    rows,
  )
}

/** Heap growth between two checkpoints of a memory trial, in KB. */
const heapGrowth = (r: MemoryResult, from: string, to: string): number | undefined => {
  const [a, b] = [r.heapKb[from], r.heapKb[to]]
  return a === undefined || b === undefined ? undefined : b - a
}

/** The memory checkpoints: the baseline, the target's 100k (or the last), and the one after it if any. */
function memoryMarks(results: BenchResults): { first: string; target: string; after: string | undefined } {
  const marks = (specOf(results, 'memory')?.checkpoints ?? [1000, 100_000]).map(String)
  const first = marks[0] ?? '1000'
  const target = marks.includes('100000') ? '100000' : (marks[marks.length - 1] ?? first)
  const after = marks[marks.indexOf(target) + 1]
  return { first, target, after }
}

const thousands = (n: string) => `${Number(n) / 1000}k`

export function memoryTable(results: BenchResults): string {
  const { first, target, after } = memoryMarks(results)
  const rows = results.meta.contenders
    .filter((c) => ran(results, 'memory', '', c))
    .map((c) => {
      const m = (f: (r: MemoryResult) => number | undefined) => metric<MemoryResult>(results, 'memory', '', c, f)
      return [
        label(c),
        cell(m((r) => r.heapKb[first])),
        cell(m((r) => r.heapKb[target])),
        cell(m((r) => heapGrowth(r, first, target))),
        ...(after === undefined ? [] : [cell(m((r) => heapGrowth(r, target, after)))]),
        cell(m((r) => r.refreshes)),
        cell(m((r) => r.failed)),
      ]
    })
  return table(
    [
      'contender',
      `heap after ${thousands(first)} requests, KB`,
      `after ${thousands(target)}, KB`,
      `growth ${thousands(first)} → ${thousands(target)}, KB`,
      ...(after === undefined ? [] : [`growth ${thousands(target)} → ${thousands(after)}, KB`]),
      'refreshes in the loop',
      'failed',
    ],
    rows,
  )
}

export function sizeTables(results: BenchResults): string {
  const size = results.size
  if (size === undefined) return '_Size was not measured in this run._'
  const kb = (bytes: number) => `${(bytes / 1000).toFixed(2)} kB`
  const entries = table(
    ['entry', 'export', 'min, without xstate', 'min+gz, without xstate', 'min+gz, with xstate'],
    size.entries.map((entry) => [
      `\`${entry.entry}\``,
      `\`${entry.exportPath}\``,
      kb(entry.withoutXstate.min),
      `**${kb(entry.withoutXstate.gzip)}**`,
      kb(entry.withXstate.gzip),
    ]),
  )
  const peers = table(
    ['bundle', 'min', 'min+gz'],
    size.peers.map((peer) => [peer.name, kb(peer.size.min), kb(peer.size.gzip)]),
  )
  const main = size.entries[0]
  const largest =
    main === undefined
      ? ''
      : table(
          ['file (in `index.ts`, without xstate)', 'minified bytes'],
          main.files.slice(0, 10).map((file) => [`\`${file.file}\``, String(file.bytes)]),
        )
  const shaking = size.treeShaking
  const shakeText = shaking.ok
    ? `Tree-shaking: **ok**. \`import { sessionMachine } from 'token-refresh-machine/machine'\` bundles only ${shaking.machineEntryFiles.map((f) => `\`${f}\``).join(', ')}; the same import through the main entry bundles ${shaking.mainEntryMachineOnlyFiles.map((f) => `\`${f}\``).join(', ')}. No adapter or session code is pulled in.`
    : `Tree-shaking: **broken**. Importing only the machine pulls in ${[...shaking.machineEntryFiles, ...shaking.mainEntryMachineOnlyFiles].map((f) => `\`${f}\``).join(', ')}.`
  return [
    entries,
    shakeText,
    'Where the bytes of the main entry go (minified, before gzip):',
    largest,
    'Peers, bundled the same way (their dependencies included) for scale:',
    peers,
  ].join('\n\n')
}

// ---------------------------------------------------------------- targets

interface TargetCheck {
  target: string
  result: string
  met: boolean | undefined
  /** When missed: by how much and what it would take. */
  gap?: string
}

export function checkTargets(results: BenchResults): TargetCheck[] {
  const checks: TargetCheck[] = []
  const lib = LIBRARY

  if (ran(results, 'overhead-inprocess', '', lib)) {
    const above = metric<OverheadInprocessResult>(results, 'overhead-inprocess', '', lib, (r, raw) =>
      raw === undefined ? undefined : r.cpuUsPerReq - raw.cpuUsPerReq,
    )
    const cpu = (c: ContenderName) => metric<OverheadInprocessResult>(results, 'overhead-inprocess', '', c, (r) => r.cpuUsPerReq)
    const peers = PEERS.filter((p) => ran(results, 'overhead-inprocess', '', p))
    const slowerThan = peers.filter((p) => cpu(p).median <= cpu(lib).median)
    const underTen = above.median <= 10
    checks.push({
      target: 'In-process overhead above raw ≤ 10 µs per request, and below every peer',
      result: `${number(above.median)} µs above raw (${number(cpu(lib).median)} µs vs raw ${number(cpu('raw').median)} µs); peers: ${peers
        .map((p) => `${p} ${number(cpu(p).median)} µs`)
        .join(', ')}`,
      met: underTen && slowerThan.length === 0,
      ...(underTen && slowerThan.length === 0
        ? {}
        : {
            gap: `${underTen ? '' : `${number(above.median - 10)} µs over the 10 µs budget (${number(above.median / 10)}×). `}${
              slowerThan.length > 0 ? `Slower than ${slowerThan.join(', ')}. ` : ''
            }Most of the cost is the two XState events every request sends (see "Where the library is slower"); getting under 10 µs needs the hot path (valid token, nothing refreshing) to bypass the actor, e.g. keep the in-flight counts outside the machine and only send the events that can change its state.`,
          }),
    })
  }

  const stormK = variantsOf(results, 'storm').find((v) => v === 'k=1000')
  if (stormK !== undefined && ran(results, 'storm', stormK, lib)) {
    const m = (f: (r: StormResult, raw: StormResult | undefined) => number | undefined) =>
      metric(results, 'storm', stormK, lib, f)
    const ok = m((r) => r.ok)
    const refreshes = m((r) => r.refreshCalls)
    const ratio = m((r, raw) => (raw === undefined ? undefined : r.timeMs / raw.timeMs))
    const correct = ok.min === 1000 && refreshes.min === 1 && refreshes.max === 1
    const k = 1000
    const succeeding = PEERS.filter(
      (p) => ran(results, 'storm', stormK, p) && metric<StormResult>(results, 'storm', stormK, p, (r) => r.ok).min === k,
    )
    const peerRatios =
      succeeding.length === 0
        ? 'No peer got all 1000 requests through, so there is no peer time to compare with.'
        : `Peers that got all 1000 through: ${succeeding
            .map(
              (p) =>
                `${p} ${cell(metric<StormResult>(results, 'storm', stormK, p, (r, raw) => (raw === undefined ? undefined : r.timeMs / raw.timeMs)))}× raw`,
            )
            .join(', ')}.`
    checks.push({
      target: 'Storm K = 1000: 1000/1000 succeed with exactly 1 refresh call',
      result: `${cell(ok)} / 1000 succeeded, ${cell(refreshes)} refresh call(s)`,
      met: correct,
      ...(correct ? {} : { gap: 'Correctness regression: see the storm table.' }),
    })
    checks.push({
      target: "Storm K = 1000: time within 1.3× raw's time for the same 1000 requests",
      result: `${cell(ratio)}× raw (${cell(m((r) => r.timeMs))} ms vs raw ${cell(metric<StormResult>(results, 'storm', stormK, 'raw', (r) => r.timeMs))} ms)`,
      met: ratio.median <= 1.3,
      ...(ratio.median <= 1.3
        ? {}
        : {
            gap: `${number(ratio.median / 1.3)}× over the target. ${peerRatios} Once every access token is revoked, a client learns it only from the 401s, so each request goes out twice: ${k} doomed first sends, one refresh, ${k} replays. On a loopback where the client and the resource server each have one core, about 2× raw is the floor for any client that gets every request through. Getting within 1.3× would take not sending the doomed requests, which only a client that knows the token is dead before sending can do (an expiry it can see, or a revocation it is told about); with a server-side revocation nothing on the client can know, so a reactive client cannot meet this target.`,
          }),
    })
  }

  if (ran(results, 'churn', '', lib)) {
    const failed = metric<ChurnResult>(results, 'churn', '', lib, (r) => r.failed)
    checks.push({
      target: 'Churn: 0 failed requests',
      result: `${cell(failed)} failed of ${cell(metric<ChurnResult>(results, 'churn', '', lib, (r) => r.ok + r.failed))}`,
      met: failed.max === 0,
      ...(failed.max === 0 ? {} : { gap: 'See the churn table for which requests failed and how.' }),
    })
  }

  if (ran(results, 'failure', '', lib)) {
    const spec = specOf(results, 'failure')
    const delay = spec?.refreshDelayMs ?? 500
    const m = (f: (r: FailureResult) => number | undefined) => metric<FailureResult>(results, 'failure', '', lib, f)
    const unsettled = m((r) => r.waves.reduce((sum, w) => sum + w.requests - w.settled, 0))
    const refreshes = m((r) => r.refreshCalls)
    const slowest = m((r) => Math.max(...r.waves.map((w) => w.maxMs)))
    const settledOk = unsettled.max === 0
    const oneRefresh = refreshes.max === 1 && refreshes.min === 1
    const fast = slowest.max <= delay + FEW_MS
    checks.push({
      target: `Failure: every request settles, 1 refresh call, none slower than the refresh latency (${delay} ms) plus a few (≤ ${FEW_MS}) ms`,
      result: `${settledOk ? 'all settled' : `${cell(unsettled)} unsettled`}; ${cell(refreshes)} refresh call(s); slowest ${cell(slowest)} ms (${number(slowest.median - delay)} ms over the refresh latency)`,
      met: settledOk && oneRefresh && fast,
      ...(settledOk && oneRefresh && fast
        ? {}
        : {
            gap: `${fast ? '' : `The slowest request took ${number(slowest.max - delay)} ms beyond the ${delay} ms refresh in the worst trial. Part of that is unavoidable: a request first needs its 401 (one loopback round trip under the burst) before the refresh can start, and the refresh itself crosses loopback. `}${
              oneRefresh ? '' : 'More than one refresh call was made. '
            }${settledOk ? '' : 'Some requests did not settle. '}`,
          }),
    })
  }

  if (ran(results, 'memory', '', lib)) {
    const { first, target, after } = memoryMarks(results)
    const growth = metric<MemoryResult>(results, 'memory', '', lib, (r) => heapGrowth(r, first, target))
    const trend =
      after === undefined ? undefined : metric<MemoryResult>(results, 'memory', '', lib, (r) => heapGrowth(r, target, after))
    checks.push({
      target: 'Memory: heap growth under 1 MB from 1k to 100k requests',
      result: `${cell(growth)} KB from ${thousands(first)} to ${thousands(target)}${trend === undefined ? '' : `; ${cell(trend)} KB from ${thousands(target)} to ${thousands(after ?? '')}`}`,
      met: growth.max < 1024,
      ...(growth.max < 1024 ? {} : { gap: `${number(growth.max - 1024)} KB over.` }),
    })
  }

  const main = results.size?.entries.find((entry) => entry.entry === 'index.ts')
  if (main !== undefined) {
    const gz = main.withoutXstate.gzip
    const typical = results.size?.entries.find((entry) => entry.entry.startsWith('index.ts ('))
    checks.push({
      target: 'Size: library code without xstate ≤ 5 kB min+gz',
      result: `\`index.ts\` ${(gz / 1000).toFixed(2)} kB${typical === undefined ? '' : `; a typical import (createTokenSession + oauth2TokenEndpoint) ${(typical.withoutXstate.gzip / 1000).toFixed(2)} kB`}; \`./machine\` ${((results.size?.entries.find((e) => e.entry === 'machines/index.ts')?.withoutXstate.gzip ?? 0) / 1000).toFixed(2)} kB`,
      met: gz <= SIZE_TARGET_BYTES,
      ...(gz <= SIZE_TARGET_BYTES
        ? {}
        : {
            gap: `${((gz - SIZE_TARGET_BYTES) / 1000).toFixed(2)} kB over (${(gz / SIZE_TARGET_BYTES).toFixed(2)}×). The largest contributors are listed under Size. Reaching 5 kB would take shorter error messages (they are long, full sentences by design), sharing one HTTP answer reader between the endpoint adapters, and keeping optional adapters out of what a typical import pulls in.`,
          }),
    })
  }
  return checks
}

// ---------------------------------------------------------------- comparisons

interface Comparison {
  what: string
  library: Spread
  peer: Spread
  peerName: ContenderName
  unit: string
  higherIsBetter: boolean
  why: string
}

/** Median CPU breakdown of one contender's in-process trials, in µs per request. */
function breakdownUs(results: BenchResults, contender: ContenderName): Record<keyof CpuBreakdown, number> & { total: number } {
  const total = metric<OverheadInprocessResult>(results, 'overhead-inprocess', '', contender, (r) => r.cpuUsPerReq).median
  const part = (key: keyof CpuBreakdown) =>
    metric<OverheadInprocessResult>(results, 'overhead-inprocess', '', contender, (r) => r.cpuShare[key] * r.cpuUsPerReq).median
  return {
    total,
    wrapper: part('wrapper'),
    xstate: part('xstate'),
    runtime: part('runtime'),
    gc: part('gc'),
    harness: part('harness'),
  }
}

/** The reasons behind each kind of comparison, with this run's numbers where they explain it. */
function explanations(results: BenchResults) {
  const lib = breakdownUs(results, LIBRARY)
  const oauth = breakdownUs(results, 'oauth2-client')
  const haveProfile = Number.isFinite(lib.xstate) && lib.total > 0
  const cpu = haveProfile
    ? `Every request sends two events through the XState actor (\`request.sent\`, then \`request.settled\`); each is a full macrostep: transition selection, re-evaluation of the eventless \`always\` transitions of \`active\`, an \`assign\` that copies the in-flight record, and a new snapshot. Profiled in this run: of the library's ${number(lib.total)} µs per request, **${number(lib.xstate)} µs (${Math.round((lib.xstate / lib.total) * 100)}%) is inside xstate**, ${number(lib.wrapper)} µs is the library's own code (one \`new URL()\`, one \`Headers\` copy, the request desk), ${number(lib.runtime)} µs Node built-ins and ${number(lib.gc)} µs garbage collection. Without the actor on the hot path it would cost about ${number(lib.total - lib.xstate)} µs. OAuth2Fetch spends its ${number(oauth.total)} µs mostly in Node itself (${number(oauth.runtime)} µs building and cloning a \`Request\`, ${number(oauth.gc)} µs GC) and keeps no state; seed only copies headers.`
    : 'Every request sends two events through the XState actor (`request.sent`, then `request.settled`), each a full macrostep.'
  return {
    cpu,
    loopback: (() => {
      const actor = (scenario: 'overhead-loopback' | 'overhead-inprocess') =>
        metric<OverheadLoopbackResult | OverheadInprocessResult>(results, scenario, '', LIBRARY, (r) => r.actor?.usPerRequest)
          .median
      const [loop, inproc] = [actor('overhead-loopback'), actor('overhead-inprocess')]
      const cpu = (c: ContenderName) =>
        metric<OverheadLoopbackResult>(results, 'overhead-loopback', '', c, (r) => r.sequential.cpuUsPerReq).median
      const gap = cpu(LIBRARY) - cpu('oauth2-client')
      const timed = Number.isFinite(loop) && Number.isFinite(inproc)
      return `Same cause as the CPU row, and larger on a real socket: ${
        timed
          ? `timing the library's \`actor.send\` in an extra pass gives ${number(loop)} µs per request between real loopback requests against ${number(inproc)} µs in the tight in-process loop (the same two events; between undici's work the actor's code and data are no longer hot in the CPU caches). `
          : ''
      }With one stream the client's CPU is the request rate, so ${Number.isFinite(gap) ? `${number(gap)} µs more client CPU per sequential request than OAuth2Fetch ` : 'the extra CPU '}shows up directly in req/s; with 16 streams the resource server's core is the bottleneck and the gap mostly closes.${
        timed && Number.isFinite(gap) && gap > loop
          ? ` The actor explains ${number(loop)} µs of that gap; the rest is spread over Node built-ins and GC and was not pinned down further.`
          : ''
      }`
    })(),
    storm: (() => {
      const mine = stormProfile(results, LIBRARY)
      const theirs = stormProfile(results, 'oauth2-client')
      if (mine === undefined || theirs === undefined)
        return 'Each request sends three or four events through the actor during a storm (`request.sent`, `token.rejected`, `request.settled`, and the release of parked requests); the client is CPU-bound during the burst.'
      return `During the burst the client is CPU-bound, so client CPU becomes time. Profiled storm (main thread, ms): the library ${number(mine.total)} (${number(mine.xstate)} in xstate, ${number(mine.wrapper)} its own code, ${number(mine.runtime)} Node built-ins, ${number(mine.gc)} GC) against oauth2-client ${number(theirs.total)} (${number(theirs.wrapper + theirs.xstate)} own code, ${number(theirs.runtime)} Node built-ins, ${number(theirs.gc)} GC). Each request sends three or four events through the actor (\`request.sent\`, \`token.rejected\`, \`request.settled\`, and its share of releasing the parked requests); the library also cancels every 401's body (\`response.body.cancel()\`, which makes undici build an AbortError per response), where OAuth2Fetch leaves the body to the garbage collector, and it allocates more per request (a Headers copy and an init object per send, snapshots per event), which shows as GC, part of it on helper threads that the profile does not see but the CPU column does.`
    })(),
    churnRefreshes:
      'Not a speed cost but worth knowing: the library refreshes proactively at half the lifetime of a short-lived token (the leeway is capped at half the lifetime), so with 1 s tokens it refreshes at x.5 s; the server counts whole seconds, so the token it gets back still expires at the next whole second, and the 401s there trigger a second, reactive refresh. Two refresh calls per expiry instead of one, the same 401s. With realistic lifetimes (minutes) and the default 30 s leeway the proactive refresh lands well before the expiry and this does not happen.',
    heap: 'Suspected: every parked request holds a pending entry in the request desk (promise callbacks and its ticket) and every actor event allocates a new snapshot, while the peers share a single refresh promise. Not profiled further.',
    churn:
      'Fewer successful requests in the same time means more client time per request: the per-request actor events of the CPU row. Each 401 gets exactly one replay.',
    failure:
      "The slowest request waits for its own 401 (one loopback round trip inside a burst), then for the 500 ms refusal, then settles; the gap between contenders is a few milliseconds of that round trip and of the client's event loop, within the min–max spread.",
    memory:
      'Heap growth from 1k to 100k requests is warm-up (compiled code, inline caches); compare the growth from 100k to 200k, which is what a leak would keep adding.',
    size: 'The library ships strict token-response validation, a hand-written WWW-Authenticate parser, error classes with long explanatory messages, two endpoint adapters, and XState, which is over half of the bytes once bundled.',
  }
}

export function comparisons(results: BenchResults): Comparison[] {
  const WHY = explanations(results)
  const out: Comparison[] = []
  const others: ContenderName[] = [...PEERS, 'seed']
  const add = (
    what: string,
    unit: string,
    higherIsBetter: boolean,
    why: string,
    get: (c: ContenderName) => Spread | undefined,
  ) => {
    const library = get(LIBRARY)
    if (library === undefined || library.n === 0) return
    for (const peerName of others) {
      const peer = get(peerName)
      if (peer === undefined || peer.n === 0) continue
      // Worse by more than 5% on the median: smaller differences are noise on a shared 2-core machine.
      const worse = higherIsBetter ? library.median < peer.median * 0.95 : library.median > peer.median * 1.05
      if (worse) out.push({ what, library, peer, peerName, unit, higherIsBetter, why })
    }
  }
  add('In-process CPU per request', 'µs', false, WHY.cpu, (c) =>
    ran(results, 'overhead-inprocess', '', c)
      ? metric<OverheadInprocessResult>(results, 'overhead-inprocess', '', c, (r) => r.cpuUsPerReq)
      : undefined,
  )
  for (const phase of ['sequential', 'concurrent'] as const) {
    const name = phase === 'sequential' ? 'one stream' : '16 streams'
    add(`Loopback ${name}: p50 latency`, 'µs', false, WHY.loopback, (c) =>
      ran(results, 'overhead-loopback', '', c)
        ? metric<OverheadLoopbackResult>(results, 'overhead-loopback', '', c, (r) => r[phase].p50Us)
        : undefined,
    )
    add(`Loopback ${name}: requests/s`, 'req/s', true, WHY.loopback, (c) =>
      ran(results, 'overhead-loopback', '', c)
        ? metric<OverheadLoopbackResult>(results, 'overhead-loopback', '', c, (r) => r[phase].rps)
        : undefined,
    )
  }
  for (const variant of variantsOf(results, 'storm')) {
    // Only against peers that got every request through: being faster at failing is not better.
    const succeeded = (c: ContenderName) => metric<StormResult>(results, 'storm', variant, c, (r) => r.ok - r.k).min === 0
    add(`Storm ${variant}: time to last settle`, 'ms', false, WHY.storm, (c) =>
      ran(results, 'storm', variant, c) && succeeded(c)
        ? metric<StormResult>(results, 'storm', variant, c, (r) => r.timeMs)
        : undefined,
    )
    add(`Storm ${variant}: client CPU`, 'ms', false, WHY.storm, (c) =>
      ran(results, 'storm', variant, c) && succeeded(c)
        ? metric<StormResult>(results, 'storm', variant, c, (r) => r.cpuMs)
        : undefined,
    )
    add(`Storm ${variant}: peak heap above baseline`, 'MB', false, WHY.heap, (c) =>
      ran(results, 'storm', variant, c) && succeeded(c)
        ? metric<StormResult>(results, 'storm', variant, c, (r) => r.peakHeapKb / 1024)
        : undefined,
    )
  }
  add('Churn: successful requests', 'requests', true, WHY.churn, (c) =>
    ran(results, 'churn', '', c) && metric<ChurnResult>(results, 'churn', '', c, (r) => r.failed).max === 0
      ? metric<ChurnResult>(results, 'churn', '', c, (r) => r.ok)
      : undefined,
  )
  add('Churn: refresh calls', 'calls', false, WHY.churnRefreshes, (c) =>
    ran(results, 'churn', '', c) && metric<ChurnResult>(results, 'churn', '', c, (r) => r.failed).max === 0
      ? metric<ChurnResult>(results, 'churn', '', c, (r) => r.refreshCalls)
      : undefined,
  )
  add('Failure: slowest request', 'ms', false, WHY.failure, (c) =>
    ran(results, 'failure', '', c)
      ? metric<FailureResult>(results, 'failure', '', c, (r) => Math.max(...r.waves.map((w) => w.maxMs)))
      : undefined,
  )
  const marks = memoryMarks(results)
  add(`Memory: heap growth ${thousands(marks.first)} → ${thousands(marks.target)}`, 'KB', false, WHY.memory, (c) =>
    ran(results, 'memory', '', c)
      ? metric<MemoryResult>(results, 'memory', '', c, (r) => heapGrowth(r, marks.first, marks.target))
      : undefined,
  )
  const size = results.size
  if (size !== undefined) {
    const lib = size.entries.find((entry) => entry.entry === 'index.ts')
    for (const peer of size.peers) {
      if (lib !== undefined && lib.withXstate.gzip > peer.size.gzip * 1.05) {
        out.push({
          what: `Size, min+gz with dependencies (vs ${peer.name})`,
          library: spread([lib.withXstate.gzip / 1000]),
          peer: spread([peer.size.gzip / 1000]),
          peerName: peer.name.startsWith('@badgateway') ? 'oauth2-client' : 'axios-auth-refresh',
          unit: 'kB',
          higherIsBetter: false,
          why: WHY.size,
        })
      }
    }
  }
  return out
}

// ---------------------------------------------------------------- charts

function charts(results: BenchResults): Record<string, string> {
  const out: Record<string, string> = {}
  const { contenders } = results.meta
  const multi = results.meta.trials > 1 ? '; whiskers: min–max over trials' : ''

  const inproc = contenders.filter((c) => c !== 'raw' && ran(results, 'overhead-inprocess', '', c))
  if (inproc.length > 0) {
    const rows: BarRow[] = inproc.map((c) => {
      const s = metric<OverheadInprocessResult>(results, 'overhead-inprocess', '', c, (r, raw) =>
        raw === undefined ? undefined : r.cpuUsPerReq - raw.cpuUsPerReq,
      )
      return {
        label: c,
        segments: [{ value: s.median, color: colorOf(c) }],
        range: { min: s.min, max: s.max },
        note: `${number(s.median)} µs`,
        bold: c === LIBRARY,
      }
    })
    out['overhead.svg'] = barChart({
      title: 'Wrapper cost per request, valid token (in-process, fetch stubbed)',
      subtitle: `CPU µs per request above plain fetch; median of ${results.meta.trials} trial(s)${multi}`,
      unit: 'µs of CPU per request above raw (lower is better)',
      rows,
      lines: [{ value: 10, label: 'target 10 µs', color: COLORS.target }],
    })
  }

  const stormVariant = variantsOf(results, 'storm').at(-1)
  if (stormVariant !== undefined) {
    const k = metric<StormResult>(results, 'storm', stormVariant, 'raw', (r) => r.k).median
    const raw = metric<StormResult>(results, 'storm', stormVariant, 'raw', (r) => r.timeMs)
    const rows: BarRow[] = contenders
      .filter((c) => ran(results, 'storm', stormVariant, c))
      .map((c) => {
        const time = metric<StormResult>(results, 'storm', stormVariant, c, (r) => r.timeMs)
        const ok = metric<StormResult>(results, 'storm', stormVariant, c, (r) => r.ok)
        const refreshes = metric<StormResult>(results, 'storm', stormVariant, c, (r) => r.refreshCalls)
        const allOk = ok.min === ok.max && ok.min === metric<StormResult>(results, 'storm', stormVariant, c, (r) => r.k).median
        return {
          label: c,
          segments: [{ value: time.median, color: c === 'raw' ? COLORS.raw : allOk ? colorOf(c) : COLORS.bad }],
          range: { min: time.min, max: time.max },
          note:
            c === 'raw'
              ? 'valid token, no refresh'
              : `${number(ok.median)}/${number(k)} ok · ${number(refreshes.median)} refresh call(s)`,
          bold: c === LIBRARY,
        }
      })
    out['storm.svg'] = barChart({
      title: `Storm: every access token revoked, ${number(k)} requests at once`,
      subtitle: `time until the last request settles; red: not every request succeeded${multi}`,
      unit: 'ms until the last request settles (lower is better)',
      rows,
      ...(Number.isFinite(raw.median)
        ? { lines: [{ value: raw.median * 1.3, label: 'target 1.3× raw', color: COLORS.target }] }
        : {}),
    })
  }

  const churn = contenders.filter((c) => ran(results, 'churn', '', c))
  if (churn.length > 0) {
    const spec = specOf(results, 'churn')
    const rows: BarRow[] = churn.map((c) => {
      const ok = metric<ChurnResult>(results, 'churn', '', c, (r) => r.ok)
      const failed = metric<ChurnResult>(results, 'churn', '', c, (r) => r.failed)
      const refreshes = metric<ChurnResult>(results, 'churn', '', c, (r) => r.refreshCalls)
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
    out['churn.svg'] = barChart({
      title: `Churn: ${spec?.accessTtl ?? 1} s access tokens, ${spec?.streams ?? 16} streams for ${(spec?.durationMs ?? 10_000) / 1000} s`,
      subtitle: `requests that succeeded and failed; median of ${results.meta.trials} trial(s)`,
      unit: 'requests (more ok is better, any failed is bad)',
      rows,
    })
  }
  return out
}

// ---------------------------------------------------------------- document

function describe(results: BenchResults): string {
  const get = <S extends ScenarioName>(s: S) => specOf(results, s)
  const lines: string[] = []
  const loop = get('overhead-loopback')
  if (loop)
    lines.push(
      `- **Overhead, loopback**: ${loop.warmup} warm-up requests, then ${loop.sequential} sequential and ${loop.concurrent} over ${loop.streams} concurrent streams, valid 1-hour token. Latency is per request including reading the body; ratios divide by raw in the same trial.`,
    )
  const inproc = get('overhead-inprocess')
  if (inproc)
    lines.push(
      `- **Overhead, in-process**: \`globalThis.fetch\` replaced by a stub that returns one prebuilt \`Response\` (null body, status 200); ${inproc.warmup} warm-up requests, then ${inproc.rounds} rounds of ${inproc.perRound}, median round. CPU is \`process.cpuUsage()\` (user + system, GC threads included).`,
    )
  const storms = results.meta.scenarios.filter((s) => s.scenario === 'storm')
  if (storms.length > 0)
    lines.push(
      `- **Storm**: K = ${storms.map((s) => (s.scenario === 'storm' ? s.k : 0)).join(', ')}. The same K requests are sent once with a valid token (so every contender meets the storm with its connections open), then the server revokes every access token and K requests fire at once. Raw keeps its valid token: it is the floor for K requests. Peak heap is sampled every millisecond and every 16 settled requests, relative to a forced-GC baseline.`,
    )
  const churn = get('churn')
  if (churn)
    lines.push(
      `- **Churn**: access tokens live ${churn.accessTtl} s, checked in whole seconds like a JWT \`exp\` (a token issued at x.9 s expires at x+1 s), rotation on; ${churn.streams} streams send back-to-back requests for ${churn.durationMs / 1000} s. Raw cannot refresh and is left out.`,
    )
  const failure = get('failure')
  if (failure)
    lines.push(
      `- **Failure**: every access token revoked and every refresh answered \`400 invalid_grant\` after ${failure.refreshDelayMs} ms; two waves of ${failure.wave} requests, the second after the first has settled. Times are from firing the wave. Raw is left out.`,
    )
  const memory = get('memory')
  if (memory)
    lines.push(
      `- **Memory**: in-process stub that also plays the token endpoint; the access token is invalidated every ${memory.revokeEvery} requests so refreshes are part of the loop (not for raw). Heap used after two forced GCs at ${memory.checkpoints.join(', ')} requests.`,
    )
  lines.push(
    '- **Size**: esbuild, browser platform, ESM, minified, then gzip -9; `xstate` marked external ("without") or bundled ("with").',
  )
  return lines.join('\n')
}

function loadText(results: BenchResults): string {
  const loads = spread(results.trials.map((t) => t.load).filter((l): l is number => typeof l === 'number'))
  // The benchmark itself keeps two or three processes busy; well above 3 means others were using the cores.
  return loads.n === 0
    ? 'not recorded'
    : `median ${loads.median.toFixed(2)}, ${loads.min.toFixed(2)}–${loads.max.toFixed(2)} (the benchmark itself keeps 2–3 processes busy)`
}

export function renderMarkdown(results: BenchResults, chartFiles: string[]): string {
  const { meta } = results
  const m = meta.machine
  const targets = checkTargets(results)
  const slower = comparisons(results)
  const failures = errorsOf(results)
  const img = (file: string, alt: string) => (chartFiles.includes(file) ? `![${alt}](benchmarks/${file})\n\n` : '')

  const slowerText =
    slower.length === 0
      ? 'In this run the library was not slower than any peer on any measured row (by more than 5% on the median).'
      : [
          'Rows where the library’s median is more than 5% worse than a peer’s (seed included, since it is the code people replace):',
          '',
          table(
            ['measure', 'library', 'peer', 'peer value'],
            slower.map((s) => [s.what, `${cell(s.library)} ${s.unit}`, s.peerName, `${cell(s.peer)} ${s.unit}`]),
          ),
          '',
          'Why:',
          '',
          ...[...new Set(slower.map((s) => s.why))].map((why) => `- ${why}`),
        ].join('\n')

  return `# Benchmarks

<!-- Generated by bench/report.ts from ${meta.mode === 'full' ? 'bench/results/latest.json' : 'a quick run'}. Do not edit by hand: run \`npm run bench\`. -->

\`npm run bench\` starts a token server and a resource server on 127.0.0.1, each in its own process, then runs every scenario for every contender, each trial in a fresh Node process, the contender order rotated between trials. Tables show the median over ${meta.trials} trial(s) with the min–max range in parentheses. \`npm run bench -- --quick\` is a one-minute smoke run that writes \`.bench-results/quick.json\` and leaves this page alone. Timings are never asserted by tests.

## Machine

| | |
| --- | --- |
| CPU | ${m.cpu}, ${m.cores} cores |
| Memory | ${m.memoryGiB} GiB |
| Node | ${m.node} (${m.platform} ${m.release}) |
| Load average (1 min) at start / end | ${m.loadAverage.start.toFixed(2)} / ${m.loadAverage.end.toFixed(2)}; at the start of each trial: ${loadText(results)} |
| Run | ${meta.startedAt}, ${meta.mode}, ${meta.trials} trial(s), ${Math.round(meta.durationS)} s, library at \`${meta.commit}\` |
| Versions | ${Object.entries(meta.versions)
    .map(([name, version]) => `${name} ${version}`)
    .join(', ')} |

The machine is shared (two cores for the client, both servers and anything else running), so compare contenders within a run, not across runs.

## Contenders

- **raw**: plain \`fetch\` with a valid token. The floor.
- **seed**: a faithful port of the naive snippet (\`bench/seed.ts\`): on any 401, POST \`{refreshToken}\` to the JSON endpoint, store the new access token, retry once. No single-flight, and, as in the snippet, the rotated refresh token is never stored.
- **oauth2-client**: \`@badgateway/oauth2-client\`'s \`OAuth2Fetch\` with an \`OAuth2Client\` pointed at the form endpoint; \`getNewToken\` returns \`null\` (no interactive login in a benchmark).
- **axios-auth-refresh**: \`axios\` (with its \`fetch\` adapter, so every contender shares one transport) + \`axios-auth-refresh\` with its defaults, a request interceptor adding the token, and a refresh function that POSTs JSON and keeps the rotated refresh token. Its default \`deduplicateRefresh: true\` pauses the instance during a refresh, and 401s of requests already in flight that arrive during the refresh are not intercepted: they reject.
- **token-refresh-machine**: this library, \`createTokenSession\` with \`oauth2TokenEndpoint\` (form POST).

## Servers

\`bench/servers.ts\` holds two small \`node:http\` servers, each started in its own process by \`bench/server-main.ts\` (so the client, the API and the token endpoint never share an event loop, and a refresh never queues behind the API's backlog, as in production). Tokens are self-describing opaque strings checked without a database and without signatures, so server cost stays out of the client numbers; the test suite's \`tests/servers/\` runs panva's oidc-provider, which is far heavier per request and would dominate these timings. The token endpoint speaks both RFC 6749 form posts (\`oauth2TokenEndpoint\`, \`OAuth2Fetch\`) and the JSON style (seed, axios-auth-refresh). Access tokens are checked against their \`exp\` in whole seconds. Refresh tokens rotate and are single-use: presenting a spent one revokes the whole grant, access tokens included (RFC 9700 §4.14.2), and is counted as "spent refresh token replayed".

## Scenarios

${describe(results)}

## Targets

${table(
  ['target', 'result', 'met'],
  targets.map((t) => [t.target, t.result, t.met === undefined ? 'n/a' : t.met ? 'yes' : `**no**`]),
)}

${targets
  .filter((t) => t.met === false && t.gap !== undefined)
  .map((t) => `- **${t.target}**: ${t.gap}`)
  .join('\n')}

## Where the library is slower than a peer, and why

${slowerText}

## 1. Overhead

${img('overhead.svg', 'Wrapper CPU cost per request above raw')}${overheadTables(results)}

## 2. Storm

${img('storm.svg', 'Storm: time until the last request settles')}${stormTable(results)}

${stormProfileTable(results)}

## 3. Churn

${img('churn.svg', 'Churn: requests ok and failed')}${churnTable(results)}

## 4. Failure

${failureTable(results)}

## 5. Memory

${memoryTable(results)}

## 6. Size

${sizeTables(results)}
${
  failures.length === 0
    ? ''
    : `\n## Trials that failed\n\n${failures.map((f) => `- ${f.scenario} ${f.variant} ${f.contender} trial ${f.trial}: ${f.error ?? ''}`).join('\n')}\n`
}`
}

/** Plain tables for the terminal. */
export function renderTerminal(results: BenchResults): string {
  const targets = checkTargets(results)
  return [
    '## 1. Overhead',
    overheadTables(results),
    '## 2. Storm',
    stormTable(results),
    stormProfileTable(results),
    '## 3. Churn',
    churnTable(results),
    '## 4. Failure',
    failureTable(results),
    '## 5. Memory',
    memoryTable(results),
    '## 6. Size',
    sizeTables(results),
    '## Targets',
    table(
      ['target', 'result', 'met'],
      targets.map((t) => [t.target, t.result, t.met === undefined ? 'n/a' : t.met ? 'yes' : 'NO']),
    ),
  ].join('\n\n')
}

/** Writes docs/benchmarks.md and its charts. */
export async function writeReport(results: BenchResults): Promise<string[]> {
  const svgs = charts(results)
  mkdirSync(CHART_DIR, { recursive: true })
  for (const [file, svg] of Object.entries(svgs)) writeFileSync(`${CHART_DIR}/${file}`, svg)
  const markdown = renderMarkdown(results, Object.keys(svgs))
  const options = (await prettier.resolveConfig(DOC)) ?? {}
  writeFileSync(DOC, await prettier.format(markdown, { ...options, filepath: DOC }))
  return [DOC, ...Object.keys(svgs).map((file) => `${CHART_DIR}/${file}`)]
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = process.argv[2] ?? DEFAULT_RESULTS
  const results = JSON.parse(readFileSync(file, 'utf8')) as BenchResults
  for (const written of await writeReport(results)) console.log(`wrote ${written}`)
}
