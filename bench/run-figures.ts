/** The figures the docs quote about the run as a whole: the machine, the load, the trials that failed. */
import type { BenchResults } from './results.js'
import { spread } from './stats.js'
import type { Figures } from './template.js'

/** Run-wide figures for the template, under `run.*` and `machine.*`. */
export function runFigures(results: BenchResults): Figures {
  const { meta } = results
  const { machine } = meta
  // NaN for records that carry no load (older files' size measurement).
  const loads = spread(results.trials.map((t) => t.load))
  const failed = results.trials.filter((record) => record.error !== undefined)
  return {
    'run.source': meta.mode === 'full' ? 'bench/results/latest.json' : 'a quick run',
    'run.trials': String(meta.trials),
    'run.startedAt': meta.startedAt,
    'run.mode': meta.mode,
    'run.durationS': String(Math.round(meta.durationS)),
    'run.commit': meta.commit,
    'run.versions': Object.entries(meta.versions)
      .map(([name, version]) => `${name} ${version}`)
      .join(', '),
    'run.loadRecorded': loads.n > 0,
    'run.loadMedian': loads.median.toFixed(2),
    'run.loadMin': loads.min.toFixed(2),
    'run.loadMax': loads.max.toFixed(2),
    'run.anyFailed': failed.length > 0,
    'run.failedTrials': failed
      .map((f) => `- ${f.scenario} ${f.variant} ${f.contender} trial ${f.trial}: ${f.error ?? ''}`)
      .join('\n'),
    'machine.cpu': machine.cpu,
    'machine.cores': String(machine.cores),
    'machine.memoryGiB': String(machine.memoryGiB),
    'machine.node': machine.node,
    'machine.platform': machine.platform,
    'machine.release': machine.release,
    'machine.loadStart': machine.loadAverage.start.toFixed(2),
    'machine.loadEnd': machine.loadAverage.end.toFixed(2),
  }
}
