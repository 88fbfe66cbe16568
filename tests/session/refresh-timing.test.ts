import { expect, test } from 'vitest'
import { MAX_LIFETIME_MS, backoffDelay, freshTiming, resolveTiming, restoredTiming } from '../../session/refresh-timing.js'

const timing = resolveTiming()

test('refreshes the default leeway (30 s) before expiry', () => {
  expect(freshTiming(3600, 1_000, timing)).toEqual({ expiresAt: 3_601_000, refreshAt: 3_571_000 })
})

test('never refreshes more than half the lifetime early', () => {
  expect(freshTiming(20, 0, timing)).toEqual({ expiresAt: 20_000, refreshAt: 10_000 })
  expect(freshTiming(1, 0, resolveTiming({ minInterval: 0 }))).toEqual({ expiresAt: 1_000, refreshAt: 500 })
})

test('every time-based refresh is at least the minimum interval after the tokens arrived', () => {
  // expires_in 1 used to refresh every 0.5 s; only expires_in 0 was held to minInterval.
  expect(freshTiming(1, 0, timing)).toEqual({ expiresAt: 1_000, refreshAt: 5_000 })
  expect(freshTiming(0.2, 0, timing)).toEqual({ expiresAt: 200, refreshAt: 5_000 })
  expect(freshTiming(8, 0, timing)).toEqual({ expiresAt: 8_000, refreshAt: 5_000 })
})

test('a token born expired (expires_in 0) waits out the minimum interval instead of looping', () => {
  expect(freshTiming(0, 100, timing)).toEqual({ expiresAt: 100, refreshAt: 5_100 })
  expect(freshTiming(0, 100, resolveTiming({ minInterval: 250 }))).toEqual({ expiresAt: 100, refreshAt: 350 })
})

test('an unknown expiry means relying on 401s, unless a default lifetime is set', () => {
  expect(freshTiming(undefined, 0, timing)).toEqual({ expiresAt: null, refreshAt: null })
  expect(freshTiming(undefined, 0, resolveTiming({ defaultLifetime: 600 }))).toEqual({ expiresAt: 600_000, refreshAt: 570_000 })
})

test('huge lifetimes are clamped so no timer overflows', () => {
  const { expiresAt, refreshAt } = freshTiming(Number.MAX_SAFE_INTEGER, 0, timing)
  expect(expiresAt).toBe(MAX_LIFETIME_MS)
  expect(refreshAt).toBe(MAX_LIFETIME_MS - 30_000)
  expect(Number.isSafeInteger(expiresAt)).toBe(true)
})

test('tokens read back from storage after their expiry are due at once', () => {
  expect(restoredTiming(-60_000, 5_000, timing, false)).toEqual({ expiresAt: -55_000, refreshAt: 5_000 })
  expect(restoredTiming(600_000, 5_000, timing, false)).toEqual({ expiresAt: 605_000, refreshAt: 575_000 })
  expect(restoredTiming(null, 5_000, timing, false)).toEqual({ expiresAt: null, refreshAt: null })
})

test("a sibling's tokens, adopted just now, are held to the minimum interval like our own", () => {
  expect(restoredTiming(1_000, 5_000, timing, true)).toEqual({ expiresAt: 6_000, refreshAt: 10_000 })
  expect(restoredTiming(600_000, 5_000, timing, true)).toEqual({ expiresAt: 605_000, refreshAt: 575_000 })
})

test('backoff is full jitter under an exponential cap (seeded draws)', () => {
  const draws = [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]
  const delays = draws.map((draw, i) => backoffDelay(i + 1, undefined, () => draw, timing))
  expect(delays).toEqual([250, 500, 1_000, 2_000, 4_000, 8_000, 15_000, 15_000])
  expect(backoffDelay(3, undefined, () => 0, timing)).toBe(0)
  expect(backoffDelay(3, undefined, () => 0.999, timing)).toBe(1_998)
})

test('Retry-After sets a floor under the jitter, itself capped', () => {
  expect(backoffDelay(1, 7, () => 0.5, timing)).toBe(7_000)
  expect(backoffDelay(1, 3_600, () => 0.5, timing)).toBe(60_000)
  expect(backoffDelay(1, 0, () => 0.5, timing)).toBe(250)
})
