import { expect, test } from 'vitest'
import { MAX_TIMER_DELAY, systemClock } from '../../adapters/clock.js'

/** A setTimeout stand-in that records delays and fires on demand. */
function recordingTimers() {
  const armed: Array<{ ms: number; fire: () => void; cleared: boolean }> = []
  return {
    armed,
    setTimeout: (callback: () => void, ms: number) => {
      const timer = { ms, fire: callback, cleared: false }
      armed.push(timer)
      return timer
    },
    clearTimeout: (handle: never) => void ((handle as { cleared: boolean }).cleared = true),
  }
}

test('a delay beyond what setTimeout takes is chained instead of firing at once', () => {
  const timers = recordingTimers()
  const clock = systemClock(timers)
  let fired = 0
  clock.setTimer(MAX_TIMER_DELAY + 1_000, () => fired++)

  timers.armed[0]?.fire()
  expect(fired).toBe(0)
  expect(timers.armed.map((timer) => timer.ms)).toEqual([MAX_TIMER_DELAY, 1_000])
  timers.armed[1]?.fire()
  expect(fired).toBe(1)
})

test('cancel stops a timer, also between the links of a chain', () => {
  const timers = recordingTimers()
  const clock = systemClock(timers)
  let fired = 0
  const cancel = clock.setTimer(MAX_TIMER_DELAY * 2, () => fired++)

  cancel()
  timers.armed[0]?.fire()

  expect(fired).toBe(0)
  expect(timers.armed).toHaveLength(1)
  expect(timers.armed[0]?.cleared).toBe(true)
})

test('negative and non-finite delays are clamped, never passed through', () => {
  const timers = recordingTimers()
  const clock = systemClock(timers)
  clock.setTimer(-5, () => undefined)
  clock.setTimer(Number.NaN, () => undefined)

  expect(timers.armed.map((timer) => timer.ms)).toEqual([0, MAX_TIMER_DELAY])
})

test('real timers do not keep a Node process alive', () => {
  const handles: NodeJS.Timeout[] = []
  const clock = systemClock({
    setTimeout: (callback, ms) => {
      const handle = setTimeout(callback, ms)
      handles.push(handle)
      return handle
    },
  })
  const cancel = clock.setTimer(60_000, () => undefined)

  expect(handles[0]?.hasRef()).toBe(false)
  cancel()
})
