/** The tables of a run as plain text for the terminal: every scenario's tables, then the targets. */
import type { BenchResults } from './results.js'
import { reportScenarios, targetsTable } from './scenario-report.js'

/** Scenarios that ran, each with its tables, then the targets table. */
export function renderTerminal(results: BenchResults): string {
  const reports = reportScenarios(results)
  return [
    ...reports
      .filter((report) => report.ran)
      .flatMap((report) => [`## ${report.scenario.title}`, ...report.tables.map((t) => `${t.caption}:\n\n${t.markdown}`)]),
    '## Targets',
    targetsTable(reports, 'NO'),
  ].join('\n\n')
}
