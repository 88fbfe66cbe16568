/** One scenario's trials out of a results file, and the questions its tables ask of them. */
import type { ContenderName } from './contenders.js'
import type { BenchResults, TrialRecord } from './results.js'
import type { Scenario } from './scenario.js'
import { spread, type Spread } from './stats.js'

/** Another contender's result from the same trial and variant as the one being read. */
export type SameTrial<R> = (contender: ContenderName) => R | undefined

/** What a scenario's report functions know about the run. */
export interface ScenarioRun<P, R> {
  /** Contenders of the run, in the run's order (not only those that took part here). */
  contenders: ContenderName[]
  /** Trials per scenario and contender. */
  trials: number
  /** The variants that ran, in order. */
  variants: { variant: string; params: P }[]
  /** The parameters of one variant; the only one when left out. */
  params(variant?: string): P | undefined
  ran(contender: ContenderName, variant?: string): boolean
  /** Every result of `contender`, one per trial that produced one. */
  resultsOf(contender: ContenderName, variant?: string): R[]
  /**
   * One number per trial of `contender`, as median and range. `pick` may read
   * other contenders of the same trial, e.g. raw's result to divide by.
   */
  metric(contender: ContenderName, pick: (result: R, sameTrial: SameTrial<R>) => number | undefined, variant?: string): Spread
}

/** `scenario`'s view of `results`; results are trusted to have the shape the scenario's trial wrote. */
export function scenarioRun<P, R>(results: BenchResults, scenario: Scenario<P, R>): ScenarioRun<P, R> {
  const records = results.trials.filter((record) => record.scenario === scenario.name && record.result !== undefined)
  const variants = results.meta.scenarios
    .filter((entry) => entry.scenario === scenario.name)
    .map(({ scenario: _name, variant, ...params }) => ({ variant, params: params as P }))
  const of = (contender: ContenderName, variant: string): TrialRecord[] =>
    records.filter((record) => record.contender === contender && record.variant === variant)
  const defaultVariant = (): string => variants[0]?.variant ?? ''

  return {
    contenders: results.meta.contenders,
    trials: results.meta.trials,
    variants,
    params: (variant = defaultVariant()) => variants.find((entry) => entry.variant === variant)?.params,
    ran: (contender, variant = defaultVariant()) => of(contender, variant).length > 0,
    resultsOf: (contender, variant = defaultVariant()) => of(contender, variant).map((record) => record.result as R),
    metric(contender, pick, variant = defaultVariant()) {
      const values: number[] = []
      for (const record of of(contender, variant)) {
        const sameTrial: SameTrial<R> = (other) =>
          records.find((r) => r.contender === other && r.variant === variant && r.trial === record.trial)?.result as R | undefined
        const value = pick(record.result as R, sameTrial)
        if (value !== undefined) values.push(value)
      }
      return spread(values)
    },
  }
}
