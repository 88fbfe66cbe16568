/**
 * `npm run bench [-- options]`: starts the servers, runs every scenario for
 * every contender (each trial in a fresh process, contender order rotated
 * between trials), writes the results JSON and, for a full run,
 * docs/benchmarks.md with its charts.
 *
 *   --quick            about a minute: one trial, fewer requests; writes .bench-results/quick.json, not the docs
 *   --trials N         trials per scenario and contender
 *   --only a,b         scenarios: overhead-loopback, overhead-inprocess, storm, churn, failure, memory, size
 *   --contenders a,b   subset of raw, seed, oauth2-client, axios-auth-refresh, token-refresh-machine
 *   --out FILE         results file
 *   --docs / --no-docs write docs/benchmarks.md (default: full runs of every scenario only)
 */
import { execFileSync, spawn } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, platform, release, totalmem } from 'node:os'
import { dirname } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import * as prettier from 'prettier'
import { contenderNames, type ContenderName } from './contenders.js'
import { DEFAULT_RESULTS, renderTerminal, writeReport } from './report.js'
import type { ServerUrls } from './servers.js'
import { measureSize, type SizeResult } from './size.js'
import {
  RESULT_PREFIX,
  type BenchResults,
  type ScenarioName,
  type ScenarioSpec,
  type TrialRecord,
  type TrialResult,
  type TrialSpec,
} from './spec.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const startedAt = new Date()
const loadAtStart = loadavg()[0] ?? 0

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    trials: { type: 'string' },
    only: { type: 'string' },
    contenders: { type: 'string' },
    out: { type: 'string' },
    docs: { type: 'boolean' },
    'no-docs': { type: 'boolean' },
  },
})
const quick = args.quick === true
const allScenarios = ['overhead-loopback', 'overhead-inprocess', 'storm', 'churn', 'failure', 'memory', 'size'] as const
const only = args.only?.split(',').map((s) => s.trim()) ?? [...allScenarios]
for (const name of only) {
  if (!(allScenarios as readonly string[]).includes(name))
    throw new Error(`unknown scenario "${name}"; one of ${allScenarios.join(', ')}`)
}
const contenders = (args.contenders?.split(',').map((s) => s.trim()) ?? [...contenderNames]) as ContenderName[]
for (const name of contenders) {
  if (!(contenderNames as readonly string[]).includes(name)) throw new Error(`unknown contender "${name}"`)
}
const trials = args.trials === undefined ? (quick ? 1 : 3) : Number(args.trials)
if (!Number.isInteger(trials) || trials < 1 || trials > 20) throw new Error('--trials takes 1 to 20')
const out = args.out ?? (quick ? `${root}.bench-results/quick.json` : DEFAULT_RESULTS)
const everything = allScenarios.every((s) => only.includes(s)) && contenders.length === contenderNames.length
const writeDocs = args['no-docs'] === true ? false : (args.docs ?? (!quick && everything))

/** Scenario parameters; quick mode shrinks counts and durations, never the shape. */
const scenarios: (ScenarioSpec & { variant: string })[] = [
  {
    scenario: 'overhead-inprocess',
    variant: '',
    warmup: quick ? 5_000 : 20_000,
    rounds: quick ? 3 : 5,
    perRound: quick ? 5_000 : 20_000,
  },
  {
    scenario: 'overhead-loopback',
    variant: '',
    warmup: quick ? 500 : 2_000,
    sequential: quick ? 1_000 : 3_000,
    concurrent: quick ? 4_000 : 12_000,
    streams: 16,
  },
  ...[10, 100, 1000].map((k) => ({ scenario: 'storm' as const, variant: `k=${k}`, k, profile: k === 1000 })),
  {
    scenario: 'churn',
    variant: '',
    durationMs: quick ? 2_500 : 10_000,
    streams: 16,
    accessTtl: 1,
    maxRequestsPerStream: 200_000,
  },
  { scenario: 'failure', variant: '', wave: quick ? 20 : 100, refreshDelayMs: 500, waveTimeoutMs: 10_000 },
  {
    scenario: 'memory',
    variant: '',
    checkpoints: quick ? [1_000, 20_000] : [1_000, 10_000, 100_000, 200_000],
    revokeEvery: 1_000,
  },
]
const selected = scenarios.filter((s) => only.includes(s.scenario))

/** Raw cannot refresh: it has no part in scenarios about refreshing, except as the storm's floor. */
const takesPart = (scenario: ScenarioName, contender: ContenderName): boolean =>
  !(contender === 'raw' && (scenario === 'churn' || scenario === 'failure'))

const TRIAL_LIMIT_MS = 120_000

/** Starts one server process and reads the URLs it prints. */
function startServer<T>(args: string[]): Promise<{ urls: T; stop(): void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/server-main.ts', '--watch-stdin', ...args], {
    cwd: root,
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('a server did not start within 20 s')), 20_000)
    child.once('exit', (code) => reject(new Error(`a server exited early (${code})`)))
    createInterface({ input: child.stdout }).once('line', (line) => {
      clearTimeout(timer)
      resolve({
        urls: JSON.parse(line) as T,
        stop: () => {
          child.stdin.end()
          child.kill('SIGTERM')
        },
      })
    })
  })
}

/** The resource server, then the token server that tells it about revoked grants. */
async function startServers(): Promise<{ urls: ServerUrls; stop(): void }> {
  const resource = await startServer<{ resource: string; origin: string; control: string }>(['--role', 'resource'])
  try {
    const token = await startServer<{ token: string; control: string }>([
      '--role',
      'token',
      '--resource-control',
      resource.urls.control,
    ])
    return {
      urls: {
        token: token.urls.token,
        resource: resource.urls.resource,
        resourceOrigin: resource.urls.origin,
        tokenControl: token.urls.control,
        resourceControl: resource.urls.control,
      },
      stop: () => {
        token.stop()
        resource.stop()
      },
    }
  } catch (error) {
    resource.stop()
    throw error
  }
}

function runTrial(spec: TrialSpec): Promise<TrialResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', 'bench/trial.ts', JSON.stringify(spec)], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    // Peers log warnings on failed refreshes; keep only the tail for error reports.
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)))
    const timer = setTimeout(() => child.kill('SIGKILL'), TRIAL_LIMIT_MS + 10_000)
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      const line = stdout.split('\n').find((l) => l.startsWith(RESULT_PREFIX))
      if (code === 0 && line !== undefined) resolve(JSON.parse(line.slice(RESULT_PREFIX.length)) as TrialResult)
      else reject(new Error(`exit ${code ?? signal}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`))
    })
  })
}

function versionOf(name: string): string {
  try {
    return (JSON.parse(readFileSync(`${root}node_modules/${name}/package.json`, 'utf8')) as { version: string }).version
  } catch {
    return 'missing'
  }
}

function gitDescribe(): string {
  try {
    return execFileSync('git', ['describe', '--always', '--dirty'], { cwd: root, encoding: 'utf8' }).trim()
  } catch {
    return 'unknown'
  }
}

const plannedTrials = selected.reduce(
  (sum, spec) => sum + trials * contenders.filter((c) => takesPart(spec.scenario, c)).length,
  0,
)
console.log(
  `bench: ${quick ? 'quick' : 'full'} run, ${trials} trial(s), ${plannedTrials} trial processes, contenders ${contenders.join(', ')}`,
)

let size: SizeResult | undefined
if (only.includes('size')) {
  size = await measureSize()
  console.log(`size: index.ts ${size.entries[0]?.withoutXstate.gzip ?? '?'} B min+gz without xstate`)
}

const records: TrialRecord[] = []
if (selected.length > 0) {
  const servers = await startServers()
  process.on('exit', () => servers.stop())
  try {
    let done = 0
    for (let trial = 0; trial < trials; trial++) {
      // Rotate: trial t starts with the contender at position t.
      const order = contenders.map((_, i) => contenders[(i + trial) % contenders.length] as ContenderName)
      for (const scenario of selected) {
        const lineup = order.filter((c) => takesPart(scenario.scenario, c))
        for (const [position, contender] of lineup.entries()) {
          const { variant, ...params } = scenario
          const needsServer = scenario.scenario !== 'overhead-inprocess' && scenario.scenario !== 'memory'
          const spec: TrialSpec = {
            ...params,
            contender,
            timeLimitMs: TRIAL_LIMIT_MS,
            ...(needsServer ? { urls: servers.urls } : {}),
          }
          const record: TrialRecord = {
            scenario: scenario.scenario,
            variant,
            contender,
            trial,
            position,
            load: loadavg()[0] ?? 0,
          }
          const started = performance.now()
          try {
            record.result = await runTrial(spec)
          } catch (error) {
            record.error = error instanceof Error ? error.message : String(error)
          }
          records.push(record)
          done++
          const seconds = ((performance.now() - started) / 1000).toFixed(1)
          const name = `${scenario.scenario}${variant === '' ? '' : ` ${variant}`}`
          console.log(
            `[${String(done).padStart(3)}/${plannedTrials}] trial ${trial + 1} ${name.padEnd(20)} ${contender.padEnd(22)} ${seconds} s${record.error === undefined ? '' : `  FAILED ${record.error}`}`,
          )
        }
      }
    }
  } finally {
    servers.stop()
  }
}

const cpu = cpus()
const results: BenchResults = {
  meta: {
    startedAt: startedAt.toISOString(),
    durationS: (Date.now() - startedAt.getTime()) / 1000,
    mode: quick ? 'quick' : 'full',
    trials,
    machine: {
      cpu: cpu[0]?.model.trim() ?? 'unknown',
      cores: cpu.length,
      memoryGiB: Math.round(totalmem() / 1024 ** 3),
      node: process.version,
      platform: platform(),
      release: release(),
      loadAverage: { start: loadAtStart, end: loadavg()[0] ?? 0 },
    },
    versions: Object.fromEntries(
      ['xstate', '@badgateway/oauth2-client', 'axios', 'axios-auth-refresh', 'esbuild', 'tsx'].map((name) => [
        name,
        versionOf(name),
      ]),
    ),
    commit: gitDescribe(),
    contenders,
    scenarios: selected,
  },
  size,
  trials: records,
}

mkdirSync(dirname(out), { recursive: true })
const json = JSON.stringify(results)
const formatted = await prettier.format(json, { ...((await prettier.resolveConfig(out)) ?? {}), filepath: out })
writeFileSync(out, formatted)
console.log(`\n${renderTerminal(results)}\n`)
console.log(`wrote ${out}`)
if (writeDocs) for (const file of await writeReport(results)) console.log(`wrote ${file}`)

const failed = records.filter((record) => record.error !== undefined)
if (failed.length > 0) {
  console.error(`${failed.length} trial(s) failed`)
  process.exitCode = 1
}
