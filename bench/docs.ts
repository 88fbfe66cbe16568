/**
 * Renders docs/benchmarks.md and its charts from a results file: the prose
 * lives in `templates/benchmarks.md`, every number and table comes from the
 * scenarios. A scenario the template never mentions still gets a section of
 * its tables, so a new scenario shows up before anyone writes about it.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import * as prettier from 'prettier'
import type { BenchResults } from './results.js'
import { runFigures } from './run-figures.js'
import { reportScenarios, targetsTable, type ScenarioReport } from './scenario-report.js'
import { SLOWER_THRESHOLD, slowerTable } from './slower.js'
import { fill, keysOf, type Figures } from './template.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const TEMPLATE = `${root}bench/templates/benchmarks.md`
const DOC = `${root}docs/benchmarks.md`
const CHART_DIR = `${root}docs/benchmarks`

const image = (report: ScenarioReport): string =>
  report.chart === undefined ? '' : `![${report.chart.alt}](benchmarks/${report.chart.file})`

/** The section a scenario gets when the template does not write one. */
const section = (report: ScenarioReport): string =>
  [`## ${report.scenario.title}`, image(report), ...report.tables.map((t) => `#### ${t.caption}\n\n${t.markdown}`)]
    .filter((part) => part !== '')
    .join('\n\n')

/** Every figure and switch the template can use. */
function figuresOf(results: BenchResults, reports: ScenarioReport[], templateKeys: Set<string>): Figures {
  const figures: Figures = runFigures(results)
  const put = (key: string, value: string | boolean) => {
    if (key in figures) throw new Error(`docs: two figures named "${key}"`)
    figures[key] = value
  }
  for (const report of reports) {
    const { name, reasons = [] } = report.scenario
    put(`${name}.ran`, report.ran)
    put(`${name}.chart`, image(report))
    for (const t of report.tables) put(`${name}.${t.key}`, t.markdown)
    for (const [key, value] of Object.entries(report.figures)) put(`${name}.${key}`, value)
    for (const t of report.targets) {
      put(`${name}.target.${t.key}`, t.target)
      put(`${name}.missed.${t.key}`, t.met === false)
    }
    for (const reason of reasons)
      put(
        `${name}.why.${reason}`,
        report.slower.some((row) => row.why === reason),
      )
  }
  const slower = reports.flatMap((report) => report.slower)
  put('targets', targetsTable(reports, '**no**'))
  put('slower.any', slower.length > 0)
  put('slower.table', slowerTable(slower))
  put('slower.threshold', `${SLOWER_THRESHOLD * 100}%`)
  const unwritten = reports.filter(
    (report) => report.ran && ![...templateKeys].some((key) => key.startsWith(`${report.scenario.name}.`)),
  )
  put('other-scenarios', unwritten.map(section).join('\n\n'))
  return figures
}

/** The page as markdown, before formatting, and the charts it links to. */
export function renderDocs(
  results: BenchResults,
  template: string,
): { markdown: string; charts: { file: string; svg: string }[] } {
  const reports = reportScenarios(results)
  return {
    markdown: fill(template, figuresOf(results, reports, keysOf(template))),
    charts: reports.flatMap((report) => (report.chart === undefined ? [] : [report.chart])),
  }
}

/** Writes docs/benchmarks.md and its charts; returns the files written. */
export async function writeDocs(results: BenchResults): Promise<string[]> {
  const { markdown, charts } = renderDocs(results, readFileSync(TEMPLATE, 'utf8'))
  mkdirSync(CHART_DIR, { recursive: true })
  for (const chart of charts) writeFileSync(`${CHART_DIR}/${chart.file}`, chart.svg)
  const options = (await prettier.resolveConfig(DOC)) ?? {}
  writeFileSync(DOC, await prettier.format(markdown, { ...options, filepath: DOC }))
  return [DOC, ...charts.map((chart) => `${CHART_DIR}/${chart.file}`)]
}
