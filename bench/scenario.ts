/**
 * What one benchmark scenario is: how it runs (its parameters and its trial,
 * executed in a process of its own) and how it reports (tables, chart,
 * targets, the figures the docs' prose quotes). Each scenario is one module
 * in `scenarios/`; `scenarios/index.ts` lists them.
 */
import type { ContenderName } from './contenders.js'
import type { ScenarioRun } from './scenario-run.js'
import type { ServerUrls } from './servers.js'
import type { Comparison } from './slower.js'
import type { Figures } from './template.js'

/** What a trial gets besides its parameters. */
export interface TrialContext {
  contender: ContenderName
  /** Only for scenarios with `needsServers`. */
  urls?: ServerUrls
}

/** One markdown table, placed in the docs template as `{{<scenario>.<key>}}`. */
export interface NamedTable {
  key: string
  /** A label, capitalised, for the terminal and for docs sections the template does not write itself. */
  caption: string
  markdown: string
}

/** One SVG chart, written to `docs/benchmarks/<file>` and placed as `{{<scenario>.chart}}`. */
export interface Chart {
  file: string
  alt: string
  svg: string
}

/** One row of the targets table. */
export interface TargetCheck {
  /** Unique within the scenario: the template's `{{#if <scenario>.missed.<key>}}` explains a miss. */
  key: string
  target: string
  result: string
  /** Undefined when this run lacks what the check needs. */
  met: boolean | undefined
}

/** One scenario: `P` are its parameters, `R` what one trial stores in the results file. */
export interface Scenario<P, R> {
  /** As given to `--only` and stored in the results file. */
  name: string
  /** Its heading in the terminal. */
  title: string
  /** One entry per variant (storm has one per K). A quick run shrinks counts and durations, never the shape. */
  params: { quick: readonly P[]; full: readonly P[] }
  /** Tells variants apart in the results, e.g. `k=1000`; a scenario with one variant leaves it out. */
  variantOf?(params: P): string
  /** Its trials talk to the token and resource servers. */
  needsServers: boolean
  /** Measured once per run for the library as a whole, not per contender and trial (nothing in it is a timing). */
  once?: boolean
  /** Contenders that have a part in it; every one when left out. */
  takesPart?(contender: ContenderName): boolean
  /** Runs in the trial process; the result is stored as JSON. */
  trial(params: P, context: TrialContext): Promise<R>
  tables(run: ScenarioRun<P, R>): NamedTable[]
  chart?(run: ScenarioRun<P, R>): Chart | undefined
  targets?(run: ScenarioRun<P, R>): TargetCheck[]
  /** Numbers and switches the template's prose quotes, as `{{<scenario>.<key>}}` and `{{#if <scenario>.<key>}}`. */
  figures?(run: ScenarioRun<P, R>): Figures
  /** Rows where the library is worse than a peer; each names a reason from `reasons`. */
  slower?(run: ScenarioRun<P, R>): Comparison[]
  /** The explanations the template has for `slower` rows, switched on as `{{#if <scenario>.why.<reason>}}`. */
  reasons?: readonly string[]
}

/** A target this run cannot check: the library did not run the scenario. Kept so the template's switches exist. */
export const notMeasured = (key: string, target: string): TargetCheck => ({ key, target, result: 'not measured', met: undefined })

/** Any scenario, as the registry holds them (their methods take their own parameter and result types). */
export type AnyScenario = Scenario<unknown, unknown>

/** Gives a scenario module's object literal its types. */
export const defineScenario = <P, R>(scenario: Scenario<P, R>): Scenario<P, R> => scenario
