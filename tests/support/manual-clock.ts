import type { Clock, Environment, EnvironmentChange } from '../../machines/ports.js'

export interface PendingTimer {
  dueAt: number
  fire(): void
}

/**
 * A simulated clock: time moves only when the test says so. `advance` moves
 * time and fires what falls due, like real time; `jump` moves time without
 * firing anything, like a laptop waking from sleep or a throttled background
 * tab whose timers have not run yet.
 */
export function manualClock(start = 0, wallStart = 1_700_000_000_000) {
  let now = start
  let wallOffset = wallStart - start
  const timers = new Set<PendingTimer & { cancelled: boolean }>()

  const clock: Clock & {
    advance(ms: number): void
    jump(ms: number): void
    /** Moves the wall clock alone, as a user changing the system time would. */
    shiftWall(ms: number): void
    pending(): PendingTimer[]
  } = {
    now: () => now,
    wallNow: () => now + wallOffset,
    setTimer(ms, callback) {
      const timer = {
        dueAt: now + Math.max(0, ms),
        cancelled: false,
        fire() {
          if (timer.cancelled) return
          timer.cancelled = true
          timers.delete(timer)
          callback()
        },
      }
      timers.add(timer)
      return () => {
        timer.cancelled = true
        timers.delete(timer)
      }
    },
    advance(ms) {
      const target = now + ms
      for (;;) {
        const next = [...timers].filter((t) => t.dueAt <= target).sort((a, b) => a.dueAt - b.dueAt)[0]
        if (!next) break
        now = Math.max(now, next.dueAt)
        next.fire()
      }
      now = target
    },
    jump(ms) {
      now += ms
    },
    shiftWall(ms) {
      wallOffset += ms
    },
    pending: () => [...timers].sort((a, b) => a.dueAt - b.dueAt),
  }
  return clock
}

/** An environment the test switches by hand. */
export function manualEnvironment(online = true) {
  const listeners = new Set<(change: EnvironmentChange) => void>()
  let isOnline = online
  const environment: Environment & { emit(change: EnvironmentChange): void } = {
    isOnline: () => isOnline,
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    emit(change) {
      if (change !== 'visible') isOnline = change === 'online'
      for (const listener of listeners) listener(change)
    },
  }
  return environment
}
