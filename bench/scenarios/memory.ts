/**
 * Memory: in-process stub that also plays the token endpoint, the access
 * token invalidated every so often so refreshes are part of the loop; heap
 * after forced collections at a few request counts. Growth that keeps going
 * after warm-up is a leak.
 */
import { createContender, LIBRARY, type ContenderName } from '../contenders.js'
import { installStub, STUB_URL, stubSetup } from '../fetch-stub.js'
import { cell, label, number, table, thousands } from '../markdown.js'
import { collect, heapKb } from '../meters.js'
import { defineScenario, notMeasured } from '../scenario.js'
import type { ScenarioRun } from '../scenario-run.js'
import { slowerRows } from '../slower.js'

/** One variant's parameters. */
export interface MemoryParams {
  /** Heap is read after each of these request counts, the first being the baseline. */
  checkpoints: number[]
  /** The stub invalidates the access token every this many requests, so refreshes are part of the loop. */
  revokeEvery: number
}

/** What one trial stores in the results file. */
export interface MemoryResult {
  /** Heap used after forced GC, by request count. */
  heapKb: Record<string, number>
  growthKb: number
  requests: number
  failed: number
  refreshes: number
}

/** Target: heap growth from the baseline to the target's checkpoint stays under this. */
const MAX_GROWTH_KB = 1024
const TARGET_CHECKPOINT = 100_000

type Run = ScenarioRun<MemoryParams, MemoryResult>

/** Heap growth between two checkpoints of one trial, in KB. */
const growth = (r: MemoryResult, from: number, to: number): number | undefined => {
  const [a, b] = [r.heapKb[String(from)], r.heapKb[String(to)]]
  return a === undefined || b === undefined ? undefined : b - a
}

/** The baseline, the target's checkpoint (or the last), and the one after it if any. */
function marks(run: Run): { first: number; target: number; after: number | undefined } {
  const checkpoints = run.params()?.checkpoints ?? [1000, TARGET_CHECKPOINT]
  const first = checkpoints[0] ?? 1000
  const target = checkpoints.includes(TARGET_CHECKPOINT) ? TARGET_CHECKPOINT : (checkpoints.at(-1) ?? first)
  return { first, target, after: checkpoints[checkpoints.indexOf(target) + 1] }
}

/** The scenario, for the registry. */
export const memory = defineScenario<MemoryParams, MemoryResult>({
  name: 'memory',
  title: 'Memory',
  params: {
    quick: [{ checkpoints: [1_000, 20_000], revokeEvery: 1_000 }],
    full: [{ checkpoints: [1_000, 10_000, 100_000, 200_000], revokeEvery: 1_000 }],
  },
  needsServers: false,

  async trial(params, { contender: name }) {
    const stub = installStub({ checkToken: true })
    const contender = await createContender(name, stubSetup)
    const heap: Record<string, number> = {}
    let sent = 0
    let failed = 0
    for (const checkpoint of params.checkpoints) {
      for (; sent < checkpoint; sent++) {
        // The floor cannot refresh, so its token is never taken away.
        if (name !== 'raw' && sent > 0 && sent % params.revokeEvery === 0) stub.revoke()
        if (!(await contender.get(STUB_URL)).ok) failed++
      }
      await collect()
      heap[String(checkpoint)] = heapKb()
    }
    const first = heap[String(params.checkpoints[0])] ?? Number.NaN
    const last = heap[String(params.checkpoints.at(-1))] ?? Number.NaN
    return { heapKb: heap, growthKb: last - first, requests: sent, failed, refreshes: stub.refreshes() }
  },

  tables(run) {
    const { first, target, after } = marks(run)
    const rows = run.contenders
      .filter((c) => run.ran(c))
      .map((c) => {
        const m = (pick: (r: MemoryResult) => number | undefined) => cell(run.metric(c, pick))
        return [
          label(c),
          m((r) => r.heapKb[String(first)]),
          m((r) => r.heapKb[String(target)]),
          m((r) => growth(r, first, target)),
          ...(after === undefined ? [] : [m((r) => growth(r, target, after))]),
          m((r) => r.refreshes),
          m((r) => r.failed),
        ]
      })
    const header = [
      'contender',
      `heap after ${thousands(first)} requests, KB`,
      `after ${thousands(target)}, KB`,
      `growth ${thousands(first)} → ${thousands(target)}, KB`,
      ...(after === undefined ? [] : [`growth ${thousands(target)} → ${thousands(after)}, KB`]),
      'refreshes in the loop',
      'failed',
    ]
    return [{ key: 'table', caption: 'Heap after forced GC', markdown: table(header, rows) }]
  },

  targets(run) {
    const { first, target, after } = marks(run)
    const goal = `Memory: heap growth under ${MAX_GROWTH_KB / 1024} MB from ${thousands(first)} to ${thousands(TARGET_CHECKPOINT)} requests`
    if (!run.ran(LIBRARY)) return [notMeasured('growth', goal)]
    const grown = run.metric(LIBRARY, (r) => growth(r, first, target))
    const trend =
      after === undefined
        ? ''
        : `; ${cell(run.metric(LIBRARY, (r) => growth(r, target, after)))} KB from ${thousands(target)} to ${thousands(after)}`
    return [
      {
        key: 'growth',
        target: goal,
        result: `${cell(grown)} KB from ${thousands(first)} to ${thousands(target)}${trend}`,
        met: grown.n === 0 ? undefined : grown.max < MAX_GROWTH_KB,
      },
    ]
  },

  figures(run) {
    const params = run.params()
    const { first, target, after } = marks(run)
    const grown = run.metric(LIBRARY, (r) => growth(r, first, target))
    return {
      revokeEvery: String(params?.revokeEvery),
      checkpoints: params?.checkpoints.join(', ') ?? 'n/a',
      first: thousands(first),
      target: thousands(target),
      hasAfter: after !== undefined,
      after: after === undefined ? 'n/a' : thousands(after),
      overKb: number(grown.max - MAX_GROWTH_KB),
    }
  },

  reasons: ['growth'],
  slower(run) {
    const { first, target } = marks(run)
    return slowerRows(
      {
        what: `Memory: heap growth ${thousands(first)} → ${thousands(target)}`,
        unit: 'KB',
        higherIsBetter: false,
        why: 'growth',
      },
      (c: ContenderName) => (run.ran(c) ? run.metric(c, (r) => growth(r, first, target)) : undefined),
    )
  },
})
