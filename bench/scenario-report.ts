/** Everything each scenario reports about one results file, computed once for the docs and the terminal. */
import { table } from './markdown.js'
import type { BenchResults } from './results.js'
import type { AnyScenario, Chart, NamedTable, TargetCheck } from './scenario.js'
import { scenarioRun } from './scenario-run.js'
import { scenarios } from './scenarios/index.js'
import type { Comparison } from './slower.js'
import type { Figures } from './template.js'

/** One scenario's share of the report. */
export interface ScenarioReport {
  scenario: AnyScenario
  /** Some trial of it produced a result. */
  ran: boolean
  tables: NamedTable[]
  chart: Chart | undefined
  targets: TargetCheck[]
  figures: Figures
  slower: Comparison[]
}

/** Every scenario of the registry, in its order, against `results`; checks each slower row names a declared reason. */
export function reportScenarios(results: BenchResults): ScenarioReport[] {
  return scenarios.map((scenario) => {
    const run = scenarioRun(results, scenario)
    const slower = scenario.slower?.(run) ?? []
    for (const row of slower) {
      if (!(scenario.reasons ?? []).includes(row.why))
        throw new Error(`${scenario.name}: slower row "${row.what}" names reason "${row.why}", which is not in its reasons`)
    }
    return {
      scenario,
      ran: results.trials.some((record) => record.scenario === scenario.name && record.result !== undefined),
      tables: scenario.tables(run),
      chart: scenario.chart?.(run),
      targets: scenario.targets?.(run) ?? [],
      figures: scenario.figures?.(run) ?? {},
      slower,
    }
  })
}

/** The targets of every scenario that ran, in one table; `missed` is how the met column says no. */
export function targetsTable(reports: ScenarioReport[], missed: string): string {
  return table(
    ['target', 'result', 'met'],
    reports
      .filter((report) => report.ran)
      .flatMap((report) => report.targets.map((t) => [t.target, t.result, t.met === undefined ? 'n/a' : t.met ? 'yes' : missed])),
  )
}
