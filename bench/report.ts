/**
 * `tsx bench/report.ts [results.json]`: renders docs/benchmarks.md and its
 * charts from a results file (bench/results/latest.json by default) without
 * running anything.
 */
import { writeDocs } from './docs.js'
import { DEFAULT_RESULTS, readResults } from './results.js'

const results = readResults(process.argv[2] ?? DEFAULT_RESULTS)
for (const written of await writeDocs(results)) console.log(`wrote ${written}`)
