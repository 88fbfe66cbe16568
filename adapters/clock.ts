import type { Clock } from '../machines/ports.js'

/** The longest delay `setTimeout` takes; longer ones fire at once (a signed 32-bit millisecond count). */
export const MAX_TIMER_DELAY = 2 ** 31 - 1

export interface SystemClockOptions {
  /** @default globalThis.performance.now */
  now?: () => number
  /** @default Date.now */
  wallNow?: () => number
  /** @default globalThis.setTimeout */
  setTimeout?: (callback: () => void, ms: number) => unknown
  /** @default globalThis.clearTimeout */
  clearTimeout?: (handle: never) => void
}

/**
 * Real time: `performance.now()` for durations, real timers. Delays beyond
 * what `setTimeout` accepts are chained rather than firing at once. Timers are
 * unref'd in Node so a pending refresh never keeps a process alive.
 */
export function systemClock(options: SystemClockOptions = {}): Clock {
  const now = options.now ?? (() => performance.now())
  const wallNow = options.wallNow ?? Date.now
  const set = options.setTimeout ?? ((callback: () => void, ms: number) => globalThis.setTimeout(callback, ms))
  const clear = options.clearTimeout ?? ((handle: never) => globalThis.clearTimeout(handle))

  return {
    now,
    wallNow,
    setTimer(ms, callback) {
      let handle: unknown
      let cancelled = false
      const arm = (remaining: number) => {
        const delay = Math.min(Math.max(0, remaining), MAX_TIMER_DELAY)
        handle = set(() => {
          if (cancelled) return
          if (remaining > MAX_TIMER_DELAY) arm(remaining - MAX_TIMER_DELAY)
          else callback()
        }, delay)
        ;(handle as { unref?: () => void } | undefined)?.unref?.()
      }
      arm(Number.isFinite(ms) ? ms : MAX_TIMER_DELAY)
      return () => {
        cancelled = true
        clear(handle as never)
      }
    },
  }
}
