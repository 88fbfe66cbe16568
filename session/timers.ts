import type { Clock } from '../machines/ports.js'

/**
 * Named one-shot timers on the injected clock that can catch up: a browser
 * throttles timers in background tabs and a laptop sleeps through them, so
 * when the page becomes visible again, every timer whose time has come fires
 * at once instead of whenever the throttled timer gets round to it.
 */
export function timers(clock: Clock) {
  const armed = new Map<string, { dueAt: number; fire: () => void; cancel: () => void }>()

  function clear(name: string): void {
    armed.get(name)?.cancel()
    armed.delete(name)
  }

  return {
    set(name: string, delay: number, fire: () => void): void {
      clear(name)
      const entry = {
        dueAt: clock.now() + delay,
        fire,
        cancel: clock.setTimer(delay, () => {
          if (armed.get(name) !== entry) return
          armed.delete(name)
          fire()
        }),
      }
      armed.set(name, entry)
    },
    clear,
    clearAll(): void {
      for (const name of [...armed.keys()]) clear(name)
    },
    catchUp(): void {
      const now = clock.now()
      for (const [name, entry] of [...armed]) {
        if (entry.dueAt > now) continue
        clear(name)
        entry.fire()
      }
    },
  }
}

export type Timers = ReturnType<typeof timers>
