/** Text helpers shared by the live panel, the event log and the summary. */

/** Milliseconds since the start as `+12.345s`, padded so columns line up. */
export function elapsed(ms: number): string {
  return `+${(ms / 1000).toFixed(3)}s`.padStart(9)
}

/** Seconds with one decimal: `14.0s`. */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`
}

/** `1 refresh`, `2 refreshes`. */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`
}

/** The state value XState reports (`{ active: 'idle' }`) as one dotted name (`active.idle`). */
export function stateName(value: unknown): string {
  if (typeof value === 'string') return value
  if (typeof value !== 'object' || value === null) return String(value)
  const [parent, child] = Object.entries(value)[0] ?? []
  return parent === undefined ? '?' : `${parent}.${stateName(child)}`
}

/** An error's name and message for one line of output; whatever was thrown, even a non-Error. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`
  return typeof error === 'string' ? error : `a thrown ${typeof error}`
}
