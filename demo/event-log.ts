import { elapsed } from './format.js'
import type { Stats, TimelineEntry } from './stats.js'

/** One timeline entry as one line: `  +3.021s  state     active.idle → refreshing`. */
export function formatEntry(entry: TimelineEntry): string {
  return `${elapsed(entry.at)}  ${entry.kind.padEnd(8)}  ${entry.text}`
}

/**
 * The view for logs, pipes and CI: every transition and event as a line the
 * moment it is recorded, nothing redrawn, no escape codes.
 */
export function startEventLog(stats: Stats, write: (line: string) => void): { stop(): void } {
  const unsubscribe = stats.onRecord((entry) => write(formatEntry(entry)))
  return {
    stop() {
      unsubscribe()
    },
  }
}
