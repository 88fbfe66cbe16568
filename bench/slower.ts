/** The rows where the library's median is worse than a rival's: the docs explain each kind. */
import { LIBRARY, PEERS, type ContenderName } from './contenders.js'
import { cell, table } from './markdown.js'
import type { Spread } from './stats.js'

/** Worse by more than this share of the rival's median: smaller differences are noise on a shared 2-core machine. */
export const SLOWER_THRESHOLD = 0.05

/** The peers, and seed since it is the code people replace. */
const RIVALS: ContenderName[] = [...PEERS, 'seed']

/** One row of the slower-than-a-peer table. */
export interface Comparison {
  what: string
  library: Spread
  peer: Spread
  peerName: string
  unit: string
  /** One of the scenario's `reasons`: which explanation in the template applies. */
  why: string
}

/** What is compared, and which way is better. */
export interface Measure {
  what: string
  unit: string
  higherIsBetter: boolean
  why: string
}

/** Worse by more than the threshold, in the measure's direction. */
export const isWorse = (library: number, peer: number, higherIsBetter: boolean): boolean =>
  higherIsBetter ? library < peer * (1 - SLOWER_THRESHOLD) : library > peer * (1 + SLOWER_THRESHOLD)

/** One row per rival the library is worse than on `measure`; `get` is undefined for a contender that did not qualify. */
export function slowerRows(measure: Measure, get: (contender: ContenderName) => Spread | undefined): Comparison[] {
  const library = get(LIBRARY)
  if (library === undefined || library.n === 0) return []
  return RIVALS.flatMap((peerName) => {
    const peer = get(peerName)
    if (peer === undefined || peer.n === 0 || !isWorse(library.median, peer.median, measure.higherIsBetter)) return []
    return [{ what: measure.what, library, peer, peerName, unit: measure.unit, why: measure.why }]
  })
}

/** The slower-than-a-peer rows of every scenario as one table. */
export function slowerTable(rows: Comparison[]): string {
  return table(
    ['measure', 'library', 'peer', 'peer value'],
    rows.map((row) => [row.what, `${cell(row.library)} ${row.unit}`, row.peerName, `${cell(row.peer)} ${row.unit}`]),
  )
}
