/** What `run.ts` asks of a trial process, and how the trial answers. */
import type { ContenderName } from './contenders.js'
import type { ServerUrls } from './servers.js'

/** One trial, passed as JSON on the trial process's command line. */
export interface TrialSpec {
  scenario: string
  params: unknown
  contender: ContenderName
  /** Only for scenarios that need the servers. */
  urls?: ServerUrls
  /** The trial exits on its own after this long. */
  timeLimitMs: number
}

/** The trial's one line of output that matters: this prefix, then its result as JSON. */
export const RESULT_PREFIX = 'BENCH_RESULT '
