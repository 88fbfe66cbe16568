/** The results file: what a run writes and the renderer reads. */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { LIBRARY, type ContenderName } from './contenders.js'

const root = fileURLToPath(new URL('..', import.meta.url))

/** The file a full run writes and the docs are rendered from. */
export const DEFAULT_RESULTS = `${root}bench/results/latest.json`

/** One trial as stored in the results file. */
export interface TrialRecord {
  scenario: string
  /** Distinguishes parameterised runs of one scenario, e.g. `k=1000`. */
  variant: string
  /** For a scenario measured once per run, the library. */
  contender: ContenderName
  trial: number
  /** Position of this contender in its trial's rotated order, from 0. */
  position: number
  /** The machine's 1-minute load average when the trial started: anything far above 2 means others were using the cores. */
  load: number
  result?: unknown
  error?: string
}

/** One variant as run: the scenario's parameters spread next to its name. */
export type VariantRecord = { scenario: string; variant: string } & Record<string, unknown>

/** The machine a run happened on. */
export interface MachineInfo {
  cpu: string
  cores: number
  memoryGiB: number
  node: string
  platform: string
  release: string
  /** 1-minute load average when the run started and ended: other work on the machine skews timings. */
  loadAverage: { start: number; end: number }
}

/** Everything a run writes to its results file. */
export interface BenchResults {
  meta: {
    startedAt: string
    durationS: number
    mode: 'full' | 'quick'
    trials: number
    machine: MachineInfo
    /** Exact versions of the contenders and tools. */
    versions: Record<string, string>
    /** `git describe --always --dirty` of the library's working tree. */
    commit: string
    contenders: ContenderName[]
    /** One entry per variant (storm has one per K), in the order they ran. */
    scenarios: VariantRecord[]
  }
  trials: TrialRecord[]
}

/** Reads a results file, including those written before size became a scenario like the others. */
export function readResults(file: string): BenchResults {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as BenchResults & { size?: unknown }
  const { size, ...results } = parsed
  if (size === undefined || size === null || results.trials.some((record) => record.scenario === 'size')) return results
  // Older files kept the size measurement at the top level: it becomes the size scenario's one record.
  return {
    meta: { ...results.meta, scenarios: [...results.meta.scenarios, { scenario: 'size', variant: '' }] },
    trials: [
      ...results.trials,
      // No load was recorded for it; NaN keeps it out of the load statistics.
      { scenario: 'size', variant: '', contender: LIBRARY, trial: 0, position: 0, load: Number.NaN, result: size },
    ],
  }
}
