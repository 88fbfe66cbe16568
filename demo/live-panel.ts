import type { AuthorizationServerCounts, ResourceServerCounts } from '../tests/servers/index.js'
import { formatEntry } from './event-log.js'
import { seconds } from './format.js'
import type { ScenarioPlan } from './scenario.js'
import { requestTotals, type Stats } from './stats.js'

const REDRAW_EVERY_MS = 200
const TIMELINE_ROWS = 12
const PROGRESS_WIDTH = 20

// ANSI control sequences (ECMA-48); every terminal emulator in use understands these.
const hideCursor = '\x1b[?25l'
const showCursor = '\x1b[?25h'
const clearToEnd = '\x1b[J'
const upToLineStart = (rows: number) => (rows > 0 ? `\x1b[${rows}F` : '')

export interface LivePanelOptions {
  plan: ScenarioPlan
  authorizationServer: AuthorizationServerCounts
  resourceServer: ResourceServerCounts
  out: NodeJS.WriteStream
}

/**
 * The view for a terminal: a panel redrawn in place a few times per second.
 * The panel always has the same height, so moving the cursor back up by the
 * rows drawn last time lands on its first line.
 */
export function startLivePanel(stats: Stats, options: LivePanelOptions): { stop(): void } {
  const { out } = options
  let drawnRows = 0
  const draw = () => {
    // One column spare: writing into the last column makes some terminals wrap early.
    const width = Math.max(40, (out.columns || 80) - 1)
    const rows = panelRows(stats, options).map((row) => (row.length > width ? `${row.slice(0, width - 1)}…` : row))
    out.write(`${upToLineStart(drawnRows)}${clearToEnd}${rows.join('\n')}\n`)
    drawnRows = rows.length
  }
  const restoreCursor = () => out.write(showCursor)
  // Ctrl-C or a crash must not leave the user's terminal without a cursor.
  process.once('exit', restoreCursor)
  out.write(hideCursor)
  draw()
  const timer = setInterval(draw, REDRAW_EVERY_MS)
  return {
    stop() {
      clearInterval(timer)
      draw()
      restoreCursor()
      process.off('exit', restoreCursor)
    },
  }
}

function panelRows(stats: Stats, { plan, authorizationServer: as, resourceServer: rs }: LivePanelOptions): string[] {
  const now = stats.elapsed()
  const done = Math.min(PROGRESS_WIDTH, Math.round((now / plan.durationMs) * PROGRESS_WIDTH))
  const totals = requestTotals(stats)
  const { state, generation, onWire, waiting } = stats.session
  const revocation =
    stats.revokedAt === undefined
      ? `revokes the grant at ${seconds(plan.revokeAtMs)}`
      : `revoked the grant at ${seconds(stats.revokedAt)}`
  const timeline = stats.timeline.filter((entry) => entry.kind !== 'traffic').slice(-TIMELINE_ROWS)

  return [
    `token-refresh-machine demo   ${seconds(now)} of ${seconds(plan.durationMs)}   [${'#'.repeat(done)}${'.'.repeat(PROGRESS_WIDTH - done)}]   Ctrl-C ends early`,
    `state      ${state.padEnd(18)}  token generation ${generation}   on the wire ${onWire}   waiting ${waiting}`,
    `requests   ${totals.sent} sent   ${totals.ok} ok   ${totals.failed} failed   ${totals.pending} pending`,
    `refreshes  ${stats.library.refreshed} by the library   ${as.refreshGrantsSucceeded} granted by the authorization server`,
    `401s       ${rs.unauthorized} from the resource server   ${totals.recovered401} recovered by a replay`,
    `admin      ${revocation}`,
    'timeline',
    ...timeline.map(formatEntry),
    ...Array.from({ length: TIMELINE_ROWS - timeline.length }, () => ''),
  ]
}
