/** What a trial reads about its own process: CPU time and heap after a full collection. */

/** User + system CPU of this process (all threads) in µs. */
export const cpuMicros = (): number => {
  const { user, system } = process.cpuUsage()
  return user + system
}

/** Two full collections with a turn of the event loop between, so finalizers and weak callbacks have run. */
export async function collect(): Promise<void> {
  const gc = globalThis.gc
  if (gc === undefined) throw new Error('run trials with --expose-gc')
  gc()
  await new Promise((resolve) => setImmediate(resolve))
  gc()
}

/** Heap in use, in KB. */
export const heapKb = (): number => process.memoryUsage().heapUsed / 1024
