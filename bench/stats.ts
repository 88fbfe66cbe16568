/** Small statistics helpers shared by the trials and the report. */

/** The q-quantile (0..1) of `values` by nearest rank; NaN when empty. */
export function quantile(values: ArrayLike<number>, q: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = Float64Array.from(values).sort()
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))
  return sorted[rank] ?? Number.NaN
}

/** Median with the range, over trials. */
export interface Spread {
  median: number
  min: number
  max: number
  n: number
}

export function spread(values: readonly number[]): Spread {
  const finite = values.filter((value) => Number.isFinite(value))
  if (finite.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, n: 0 }
  const sorted = [...finite].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  const median = sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2
  return { median, min: sorted[0] ?? 0, max: sorted[sorted.length - 1] ?? 0, n: sorted.length }
}

/** Rounds for display: 3 significant digits below 100, whole numbers above. */
export function round(value: number): number {
  if (!Number.isFinite(value)) return value
  const magnitude = Math.abs(value)
  if (magnitude >= 100) return Math.round(value)
  if (magnitude >= 10) return Math.round(value * 10) / 10
  if (magnitude >= 1) return Math.round(value * 100) / 100
  return Math.round(value * 1000) / 1000
}
