import type { AuthorizationServerCounts, ResourceServerCounts } from '../tests/servers/index.js'
import { describeError, plural } from './format.js'
import { requestTotals, type Stats } from './stats.js'

export interface Check {
  ok: boolean
  /** States what must hold, with the numbers on both sides. */
  text: string
}

export interface CheckInput {
  stats: Stats
  authorizationServer: AuthorizationServerCounts
  resourceServer: ResourceServerCounts
  /** A run cut short by Ctrl-C is only checked for consistency, not for the story it did not finish. */
  interrupted: boolean
}

/**
 * Compares what the demo observed on the client with what the servers
 * counted on their side. The first group must hold for any run; the second
 * says whether the run showed what it promises.
 */
export function checkRun({ stats, authorizationServer: as, resourceServer: rs, interrupted }: CheckInput): Check[] {
  const totals = requestTotals(stats)
  const lib = stats.library
  const wire = stats.tokenEndpoint
  const consistency: Check[] = [
    {
      ok: stats.sessionError === undefined,
      text: `the statechart ran without an error${stats.sessionError === undefined ? '' : ` (it stopped: ${describeError(stats.sessionError)})`}`,
    },
    {
      ok: lib.refreshed === as.refreshGrantsSucceeded,
      text: `refreshes made by the library (${lib.refreshed}) = refresh grants issued by the server (${as.refreshGrantsSucceeded})`,
    },
    {
      ok: wire.refreshRequests === as.refreshGrants,
      text: `refresh requests the client sent (${wire.refreshRequests}) = refresh requests the server received (${as.refreshGrants})`,
    },
    {
      ok: lib.refreshFailed + lib.refreshRejected === as.refreshGrantsFailed && wire.refreshRefused === as.refreshGrantsFailed,
      text:
        `refreshes that failed or were refused: library events (${lib.refreshFailed + lib.refreshRejected}), ` +
        `client on the wire (${wire.refreshRefused}), server (${as.refreshGrantsFailed})`,
    },
    {
      ok: wire.revocationRequests === as.revocations,
      text: `revocation requests the client sent (${wire.revocationRequests}) = revocation requests the server received (${as.revocations})`,
    },
    {
      ok: totals.wireSends === rs.requests && stats.untaggedSends === 0,
      text: `sends seen by the client (${totals.wireSends + stats.untaggedSends}) = requests the resource server received (${rs.requests})`,
    },
    {
      ok: totals.wire401 === rs.unauthorized,
      text: `401s seen by the client (${totals.wire401}) = 401s the resource server sent (${rs.unauthorized})`,
    },
    {
      ok: totals.wire2xx === rs.ok,
      text: `2xx seen by the client (${totals.wire2xx}) = 2xx the resource server sent (${rs.ok})`,
    },
    {
      ok: totals.pending === 0 && totals.ok + totals.failed === totals.sent,
      text: `every request settled (${totals.ok} ok + ${totals.failed} failed of ${totals.sent} sent, ${totals.pending} never settled)`,
    },
  ]
  if (interrupted) return consistency

  const first401s = [...stats.requests.values()].filter((request) => request.sends[0] === 401).length
  const unexpectedFailures = totals.expiredBeforeRevocation + totals.httpErrors + totals.otherErrors
  const story: Check[] = [
    {
      ok: lib.refreshed >= 2,
      text: `tokens expired and were refreshed several times (${plural(lib.refreshed, 'refresh', 'refreshes')})`,
    },
    {
      ok: stats.revokedAt !== undefined && lib.refreshRejected === 1 && lib.expired === 1,
      text: `the revocation ended the session once (${lib.refreshRejected} refresh refused, ${lib.expired} expiry)`,
    },
    {
      ok: totals.expiredAfterRevocation > 0 && unexpectedFailures === 0,
      text: `the only failures were SessionExpiredError after the revocation (${totals.expiredAfterRevocation}; other failures: ${unexpectedFailures})`,
    },
    {
      ok: totals.recovered401 + totals.unrecovered401 === first401s,
      text: `every 401 was recovered by one replay or ended by the revocation (${totals.recovered401} + ${totals.unrecovered401} of ${first401s})`,
    },
    {
      ok: lib.warnings === 0,
      text: `the session raised no warning (${lib.warnings})`,
    },
  ]
  return [...consistency, ...story]
}
