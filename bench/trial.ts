/**
 * One trial: one scenario, one contender, in a process of its own (started by
 * `run.ts` with `--expose-gc`). Runs the scenario's trial, prints one
 * `BENCH_RESULT {json}` line and exits. The time limit bounds every loop a
 * scenario forgot to bound.
 */
import { scenarioNamed } from './scenarios/index.js'
import { RESULT_PREFIX, type TrialSpec } from './trial-spec.js'

const spec = JSON.parse(process.argv[2] ?? '{}') as TrialSpec

setTimeout(() => {
  process.stderr.write(`trial ${spec.scenario}/${spec.contender} hit its ${spec.timeLimitMs} ms limit\n`)
  process.exit(3)
}, spec.timeLimitMs).unref()

try {
  const result = await scenarioNamed(spec.scenario).trial(spec.params, {
    contender: spec.contender,
    ...(spec.urls === undefined ? {} : { urls: spec.urls }),
  })
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`)
  process.exit(0)
} catch (error) {
  process.stderr.write(
    `trial ${spec.scenario}/${spec.contender} failed: ${error instanceof Error ? error.stack : String(error)}\n`,
  )
  process.exit(1)
}
