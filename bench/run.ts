/**
 * `npm run bench [-- options]`: starts the servers, runs every scenario for
 * every contender (each trial in a fresh process, contender order rotated
 * between trials), writes the results JSON and, for a full run,
 * docs/benchmarks.md with its charts.
 *
 *   --quick            about a minute: one trial, fewer requests; writes .bench-results/quick.json, not the docs
 *   --trials N         trials per scenario and contender
 *   --only a,b         scenarios by name, as bench/scenarios/index.ts lists them (overhead-inprocess, storm, size, ...)
 *   --contenders a,b   subset of raw, seed, oauth2-client, axios-auth-refresh, token-refresh-machine
 *   --out FILE         results file
 *   --docs / --no-docs write docs/benchmarks.md (default: full runs of every scenario only)
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import * as prettier from 'prettier'
import { contenderNames, LIBRARY, type ContenderName } from './contenders.js'
import { writeDocs } from './docs.js'
import { gitDescribe, loadNow, machineInfo, versions } from './machine.js'
import { DEFAULT_RESULTS, type BenchResults, type TrialRecord, type VariantRecord } from './results.js'
import type { AnyScenario } from './scenario.js'
import { scenarioNamed, scenarios } from './scenarios/index.js'
import { startServers } from './server-processes.js'
import { spawnTrial } from './spawn-trial.js'
import { renderTerminal } from './terminal.js'
import type { TrialSpec } from './trial-spec.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const startedAt = new Date()
const loadAtStart = loadNow()

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
// Registry order, whatever the order of --only.
const wanted = args.only?.split(',').map((name) => scenarioNamed(name.trim()))
const selected = scenarios.filter((s) => wanted?.includes(s) ?? true)
const contenders = (args.contenders?.split(',').map((s) => s.trim()) ?? [...contenderNames]) as ContenderName[]
for (const name of contenders) {
  if (!(contenderNames as readonly string[]).includes(name)) throw new Error(`unknown contender "${name}"`)
}
const trials = args.trials === undefined ? (quick ? 1 : 3) : Number(args.trials)
if (!Number.isInteger(trials) || trials < 1 || trials > 20) throw new Error('--trials takes 1 to 20')
const out = args.out ?? (quick ? `${root}.bench-results/quick.json` : DEFAULT_RESULTS)
const everything = scenarios.every((s) => selected.includes(s)) && contenders.length === contenderNames.length
const writeDocsNow = args['no-docs'] === true ? false : (args.docs ?? (!quick && everything))

const TRIAL_LIMIT_MS = 120_000

/** One variant of one scenario, as this run runs it. */
interface Planned {
  scenario: AnyScenario
  variant: string
  params: unknown
}

const planned: Planned[] = selected.flatMap((scenario) =>
  scenario.params[quick ? 'quick' : 'full'].map((params) => ({
    scenario,
    variant: scenario.variantOf?.(params) ?? '',
    params,
  })),
)
const [once, repeated] = [planned.filter((p) => p.scenario.once === true), planned.filter((p) => p.scenario.once !== true)]
const takesPart = (p: Planned, contender: ContenderName): boolean => p.scenario.takesPart?.(contender) ?? true

const plannedTrials =
  once.length + repeated.reduce((sum, p) => sum + trials * contenders.filter((c) => takesPart(p, c)).length, 0)
console.log(
  `bench: ${quick ? 'quick' : 'full'} run, ${trials} trial(s), ${plannedTrials} trial processes, contenders ${contenders.join(', ')}`,
)

const records: TrialRecord[] = []
let done = 0

async function runOne(p: Planned, contender: ContenderName, trial: number, position: number, urls?: TrialSpec['urls']) {
  const spec: TrialSpec = {
    scenario: p.scenario.name,
    params: p.params,
    contender,
    timeLimitMs: TRIAL_LIMIT_MS,
    ...(urls === undefined ? {} : { urls }),
  }
  const record: TrialRecord = { scenario: p.scenario.name, variant: p.variant, contender, trial, position, load: loadNow() }
  const started = performance.now()
  try {
    record.result = await spawnTrial(spec)
  } catch (error) {
    record.error = error instanceof Error ? error.message : String(error)
  }
  records.push(record)
  done++
  const seconds = ((performance.now() - started) / 1000).toFixed(1)
  const name = `${p.scenario.name}${p.variant === '' ? '' : ` ${p.variant}`}`
  console.log(
    `[${String(done).padStart(3)}/${plannedTrials}] trial ${trial + 1} ${name.padEnd(20)} ${contender.padEnd(22)} ${seconds} s${record.error === undefined ? '' : `  FAILED ${record.error}`}`,
  )
}

// Nothing in a once-measured scenario is a timing: it runs first, for the library, with no servers up.
for (const p of once) await runOne(p, LIBRARY, 0, 0)

if (repeated.length > 0) {
  const servers = repeated.some((p) => p.scenario.needsServers) ? await startServers() : undefined
  if (servers !== undefined) process.on('exit', () => servers.stop())
  try {
    for (let trial = 0; trial < trials; trial++) {
      // Rotate: trial t starts with the contender at position t.
      const order = contenders.map((_, i) => contenders[(i + trial) % contenders.length] as ContenderName)
      for (const p of repeated) {
        const lineup = order.filter((c) => takesPart(p, c))
        for (const [position, contender] of lineup.entries())
          await runOne(p, contender, trial, position, p.scenario.needsServers ? servers?.urls : undefined)
      }
    }
  } finally {
    servers?.stop()
  }
}

const results: BenchResults = {
  meta: {
    startedAt: startedAt.toISOString(),
    durationS: (Date.now() - startedAt.getTime()) / 1000,
    mode: quick ? 'quick' : 'full',
    trials,
    machine: machineInfo(loadAtStart),
    versions: versions(),
    commit: gitDescribe(),
    contenders,
    scenarios: planned.map((p): VariantRecord => ({ scenario: p.scenario.name, variant: p.variant, ...(p.params as object) })),
  },
  trials: records,
}

mkdirSync(dirname(out), { recursive: true })
const formatted = await prettier.format(JSON.stringify(results), {
  ...((await prettier.resolveConfig(out)) ?? {}),
  filepath: out,
})
writeFileSync(out, formatted)
console.log(`\n${renderTerminal(results)}\n`)
console.log(`wrote ${out}`)
if (writeDocsNow) for (const file of await writeDocs(results)) console.log(`wrote ${file}`)

const failed = records.filter((record) => record.error !== undefined)
if (failed.length > 0) {
  // A failed trial is a broken harness or contender; a missed target is only reported.
  console.error(`${failed.length} trial(s) failed`)
  process.exitCode = 1
}
