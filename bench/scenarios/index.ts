/**
 * Every scenario, in the order they run and are reported. A new scenario is
 * a module in this folder and one line here.
 */
import type { AnyScenario } from '../scenario.js'
import { churn } from './churn.js'
import { failure } from './failure.js'
import { memory } from './memory.js'
import { overheadInprocess } from './overhead-inprocess.js'
import { overheadLoopback } from './overhead-loopback.js'
import { size } from './size.js'
import { storm } from './storm.js'

/** The registry. */
export const scenarios: readonly AnyScenario[] = [overheadInprocess, overheadLoopback, storm, churn, failure, memory, size]

/** A scenario by its `--only` name; throws with the list of names when there is none. */
export function scenarioNamed(name: string): AnyScenario {
  const scenario = scenarios.find((s) => s.name === name)
  if (scenario === undefined) throw new Error(`unknown scenario "${name}"; one of ${scenarios.map((s) => s.name).join(', ')}`)
  return scenario
}
