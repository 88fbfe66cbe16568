import type { AuthorizationServerCounts, ResourceServerCounts } from '../tests/servers/index.js'
import type { Check } from './checks.js'
import { plural, seconds } from './format.js'
import { requestTotals, type Stats } from './stats.js'

export interface SummaryInput {
  stats: Stats
  authorizationServer: AuthorizationServerCounts
  resourceServer: ResourceServerCounts
  checks: readonly Check[]
  interrupted: boolean
}

/** The closing report: what happened, in numbers, and whether the client's and the servers' numbers agree. */
export function renderSummary({ stats, authorizationServer: as, resourceServer: rs, checks, interrupted }: SummaryInput): string {
  const totals = requestTotals(stats)
  const lib = stats.library
  const refreshesMatch = lib.refreshed === as.refreshGrantsSucceeded
  const failedOther = totals.failed - totals.expiredAfterRevocation
  const passed = checks.filter((check) => check.ok).length

  const lines = [
    `Summary after ${seconds(stats.elapsed())}${interrupted ? ' (stopped early with Ctrl-C: only the consistency checks apply)' : ''}`,
    `  requests   ${totals.sent} sent: ${totals.ok} ok, ${totals.failed} failed` +
      (totals.pending > 0 ? `, ${totals.pending} never settled` : ''),
    `             failed: ${totals.expiredAfterRevocation} SessionExpiredError after the revocation, ${failedOther} other`,
    ...unexpectedFailures(stats).map(([detail, count]) => `               ${count} × ${detail}`),
    `  refreshes  ${lib.refreshed} made by the library, ${plural(as.refreshGrantsSucceeded, 'refresh grant')} issued by the server ` +
      (refreshesMatch ? '✓' : '✗ MISMATCH'),
    `             the server received ${plural(as.refreshGrants, 'refresh request')}: ` +
      `${as.refreshGrantsSucceeded} granted, ${as.refreshGrantsFailed} refused`,
    `  401s       ${rs.unauthorized} sent by the resource server: ${totals.recovered401} recovered by a replay, ` +
      `${totals.unrecovered401} ended by the revocation`,
    `  session    ${plural(stats.signIns, 'sign-in')} (${plural(as.authorizationCodeGrants, 'authorization code grant')} at the server), ` +
      `${plural(lib.expired, 'expiry', 'expiries')}, ${plural(as.revocations, 'revocation request')} at sign-out`,
    `  checks     ${passed} of ${checks.length} hold`,
    ...checks.map((check) => `             ${check.ok ? '✓' : '✗'} ${check.text}`),
  ]
  return lines.join('\n')
}

/** The other failures, grouped by what the caller got, so that a failing run says why. */
function unexpectedFailures(stats: Stats): [string, number][] {
  const counts = new Map<string, number>()
  for (const { outcome } of stats.requests.values()) {
    if (outcome === undefined || outcome.kind === 'ok') continue
    const expected = outcome.kind === 'sessionExpired' && stats.revokedAt !== undefined && outcome.at >= stats.revokedAt
    if (!expected) counts.set(outcome.detail, (counts.get(outcome.detail) ?? 0) + 1)
  }
  return [...counts]
}
