/**
 * Splits sampled main-thread CPU by where it was spent: the contender's own
 * code, XState, Node's runtime, the garbage collector and the benchmark
 * harness. Used after the measured rounds, so the profiler's own cost never
 * enters the timings.
 */
import { Session } from 'node:inspector/promises'

/** Sampled main-thread CPU by where it was spent (milliseconds, or shares 0..1), idle excluded. */
export interface CpuBreakdown {
  /** The contender's own code: the library's files, a peer's package, or the seed snippet. */
  wrapper: number
  /** The xstate package. */
  xstate: number
  /** Node's runtime: URL, Headers, Request, promises, other built-ins. */
  runtime: number
  gc: number
  /** The benchmark's loop and the fetch stub. */
  harness: number
}

/** The categories in the order tables list them. */
export const cpuCategories: readonly (keyof CpuBreakdown)[] = ['wrapper', 'xstate', 'runtime', 'gc', 'harness']

const projectRoot = new URL('..', import.meta.url).href

/** Where a sampled function lives. */
function categoryOf(url: string, functionName: string): keyof CpuBreakdown | undefined {
  if (functionName === '(garbage collector)') return 'gc'
  if (url.includes('/node_modules/xstate/')) return 'xstate'
  if (url.includes('/node_modules/axios') || url.includes('/node_modules/@badgateway/') || url.endsWith('/bench/seed.ts'))
    return 'wrapper'
  if (url.startsWith(projectRoot)) {
    const path = url.slice(projectRoot.length)
    if (path.startsWith('bench/') || path.startsWith('node_modules/')) return 'harness'
    return 'wrapper'
  }
  if (url.startsWith('node:') || url === '' || !url.includes('/')) return functionName.startsWith('(') ? undefined : 'runtime'
  return 'harness'
}

/**
 * Runs `work` under the V8 sampling profiler and returns the main thread's
 * CPU by category, in milliseconds. Idle and unattributed samples are left out.
 */
export async function profileWork(work: () => Promise<unknown>): Promise<CpuBreakdown> {
  const session = new Session()
  session.connect()
  await session.post('Profiler.enable')
  await session.post('Profiler.setSamplingInterval', { interval: 50 })
  await session.post('Profiler.start')
  await work()
  const { profile } = await session.post('Profiler.stop')
  session.disconnect()
  const byNode = new Map(profile.nodes.map((node) => [node.id, node]))
  const time: CpuBreakdown = { wrapper: 0, xstate: 0, runtime: 0, gc: 0, harness: 0 }
  const deltas = profile.timeDeltas ?? []
  profile.samples?.forEach((id, index) => {
    const frame = byNode.get(id)?.callFrame
    const category = frame === undefined ? undefined : categoryOf(frame.url, frame.functionName)
    if (category !== undefined) time[category] += (deltas[index] ?? 0) / 1000
  })
  return time
}

/** Each category's share of the total. */
export function shares(time: CpuBreakdown): CpuBreakdown {
  const total = cpuCategories.reduce((sum, key) => sum + time[key], 0)
  const out = { ...time }
  for (const key of cpuCategories) out[key] = total === 0 ? 0 : time[key] / total
  return out
}
