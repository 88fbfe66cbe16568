import { systemClock } from '../adapters/clock.js'
import type { Clock } from '../machines/ports.js'
import type { Warn } from './warnings.js'

/**
 * The user's clock, unable to break the session: the first throw is a
 * `CLOCK_FAILED` warning, and the system clock takes over for good, shifted
 * so that time carries on from where the user's clock left it.
 */
export function guardedClock(clock: Clock, warn: Warn): Clock {
  const fallback = systemClock()
  let failed = false
  let lastNow = 0
  let lastWall = 0
  let offset = 0
  let wallOffset = 0

  function fail(error: unknown): void {
    if (failed) return
    failed = true
    offset = lastNow - fallback.now()
    wallOffset = lastWall === 0 ? 0 : lastWall - fallback.wallNow()
    warn('CLOCK_FAILED', 'The clock threw; the system clock is used from now on.', error)
  }

  return {
    now() {
      if (!failed) {
        try {
          return (lastNow = clock.now())
        } catch (error) {
          fail(error)
        }
      }
      return fallback.now() + offset
    },
    wallNow() {
      if (!failed) {
        try {
          return (lastWall = clock.wallNow())
        } catch (error) {
          fail(error)
        }
      }
      return fallback.wallNow() + wallOffset
    },
    setTimer(ms, callback) {
      if (!failed) {
        try {
          const cancel = clock.setTimer(ms, callback)
          return () => {
            try {
              cancel()
            } catch (error) {
              fail(error)
            }
          }
        } catch (error) {
          fail(error)
        }
      }
      return fallback.setTimer(ms, callback)
    },
  }
}

/** The user's random source, falling back to `Math.random` (with a `RANDOM_FAILED` warning) once it throws or returns nonsense. */
export function guardedRandom(random: () => number, warn: Warn): () => number {
  let source = random
  return () => {
    try {
      const value = source()
      if (value >= 0 && value < 1) return value
      throw new RangeError(`random() returned ${String(value)}, outside [0, 1).`)
    } catch (error) {
      if (source !== Math.random) warn('RANDOM_FAILED', 'The random source failed; Math.random is used from now on.', error)
      source = Math.random
      return Math.random()
    }
  }
}
