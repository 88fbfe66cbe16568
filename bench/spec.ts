/** What `run.ts` asks of a trial process, and what the trial answers. */
import type { ContenderName } from './contenders.js'
import type { ServerUrls } from './servers.js'
import type { SizeResult } from './size.js'

export interface OverheadLoopbackSpec {
  scenario: 'overhead-loopback'
  warmup: number
  sequential: number
  concurrent: number
  streams: number
}

export interface OverheadInprocessSpec {
  scenario: 'overhead-inprocess'
  warmup: number
  rounds: number
  perRound: number
}

export interface StormSpec {
  scenario: 'storm'
  k: number
  /** After the measured storm, run another under the V8 profiler for a CPU breakdown. */
  profile: boolean
}

export interface ChurnSpec {
  scenario: 'churn'
  durationMs: number
  streams: number
  /** Whole seconds. */
  accessTtl: number
  /** Per stream, so a contender failing fast cannot loop unbounded. */
  maxRequestsPerStream: number
}

export interface FailureSpec {
  scenario: 'failure'
  wave: number
  refreshDelayMs: number
  /** A request not settled this long after its wave fired counts as unsettled. */
  waveTimeoutMs: number
}

export interface MemorySpec {
  scenario: 'memory'
  /** Heap is read after each of these request counts, the first being the baseline. */
  checkpoints: number[]
  /** The stub invalidates the access token every this many requests, so refreshes are part of the loop. */
  revokeEvery: number
}

export type ScenarioSpec = OverheadLoopbackSpec | OverheadInprocessSpec | StormSpec | ChurnSpec | FailureSpec | MemorySpec
export type ScenarioName = ScenarioSpec['scenario']

export type TrialSpec = ScenarioSpec & {
  contender: ContenderName
  /** Absent for the in-process scenarios, which need no server. */
  urls?: ServerUrls
  /** The trial exits on its own after this long. */
  timeLimitMs: number
}

export interface LoopbackPhase {
  requests: number
  failed: number
  p50Us: number
  p99Us: number
  rps: number
  /** Client CPU (user + system, all threads) per request. */
  cpuUsPerReq: number
}

/** Wall time inside the library's `actor.send`, from an extra timed pass. */
export interface ActorTiming {
  usPerRequest: number
  eventsPerRequest: number
}

export interface OverheadLoopbackResult {
  sequential: LoopbackPhase
  concurrent: LoopbackPhase
  /** This library only: its actor's share of a sequential request. */
  actor?: ActorTiming
}

/** Sampled main-thread CPU by where it was spent (milliseconds, or shares 0..1), idle excluded. */
export interface CpuBreakdown {
  /** The contender's own code: the library's files, a peer's package, or the seed snippet. */
  wrapper: number
  /** The xstate package. */
  xstate: number
  /** Node's runtime: URL, Headers, Request, promises, other built-ins. */
  runtime: number
  gc: number
  /** The benchmark's loop and the fetch stub. */
  harness: number
}

export interface OverheadInprocessResult {
  requests: number
  failed: number
  cpuUsPerReq: number
  wallUsPerReq: number
  /** Where the CPU went, from one extra profiled round. */
  cpuShare: CpuBreakdown
  /** This library only: time inside its actor per request. */
  actor?: ActorTiming
}

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

export interface FailureResult {
  refreshDelayMs: number
  waves: FailureWave[]
  refreshCalls: number
}

export interface MemoryResult {
  /** Heap used after forced GC, by request count. */
  heapKb: Record<string, number>
  growthKb: number
  requests: number
  failed: number
  refreshes: number
}

export type TrialResult =
  OverheadLoopbackResult | OverheadInprocessResult | StormResult | ChurnResult | FailureResult | MemoryResult

/** One trial as stored in the results file. */
export interface TrialRecord {
  scenario: ScenarioName
  /** Distinguishes parameterised runs of one scenario, e.g. `k=1000`. */
  variant: string
  contender: ContenderName
  trial: number
  /** Position of this contender in its trial's rotated order, from 0. */
  position: number
  /** The machine's 1-minute load average when the trial started: anything far above 2 means others were using the cores. */
  load: number
  result?: TrialResult
  error?: string
}

export const RESULT_PREFIX = 'BENCH_RESULT '

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
    /** The scenario parameters, one entry per variant (storm has one per K). */
    scenarios: (ScenarioSpec & { variant: string })[]
  }
  size: SizeResult | undefined
  trials: TrialRecord[]
}
