/**
 * What happened during the run, as plain counters and a timeline. Everything
 * here is fed by observation (the session's snapshots and events, each
 * caller's outcome, each send on the wire) and never by the scenario's
 * intentions, so the summary can be checked against the servers' own counts.
 */

/** What the resource server answered to one send, or why there was no answer. */
export type SendResult = number | 'network error'

/** How a demo request ended, as its caller saw it. */
export type OutcomeKind = 'ok' | 'httpError' | 'sessionExpired' | 'otherError'

export interface DemoRequest {
  readonly id: number
  readonly burst: number
  /** Every send of this request the resource server answered, in order: `[401, 200]` is a 401 the library recovered from. */
  readonly sends: SendResult[]
  outcome?: { kind: OutcomeKind; at: number; detail: string }
}

/** `state`: the statechart moved. `session`: the library announced something. `scenario`: the demo acted. `traffic`: a burst. */
export type EntryKind = 'state' | 'session' | 'scenario' | 'traffic'

export interface TimelineEntry {
  /** Milliseconds since the run started. */
  at: number
  kind: EntryKind
  text: string
}

/** The session as its latest snapshot shows it. */
export interface SessionView {
  state: string
  generation: number
  /** Requests parked until a refresh settles. */
  waiting: number
  /** Requests on the wire: first sends plus replays. */
  onWire: number
}

/** Counted from the library's own events and state transitions. */
export interface LibraryCounts {
  /** `refreshed` events. */
  refreshed: number
  /** `refreshFailed` events: transient failures that leave the session signed in. */
  refreshFailed: number
  /** Moves from `refreshing` to `expired`: the token endpoint refused the grant. */
  refreshRejected: number
  expired: number
  signedOut: number
  warnings: number
}

/** Requests the client sent to the authorization server, counted on the wire. */
export interface TokenEndpointCounts {
  refreshRequests: number
  /** Answered 200 with new tokens. */
  refreshGranted: number
  /** Answered with an error, or not at all. */
  refreshRefused: number
  revocationRequests: number
}

/** The longest timeline kept; the counters hold the totals. */
const MAX_TIMELINE = 1_000

export interface Stats {
  session: SessionView
  readonly library: LibraryCounts
  readonly tokenEndpoint: TokenEndpointCounts
  readonly requests: ReadonlyMap<number, DemoRequest>
  readonly timeline: readonly TimelineEntry[]
  /** When the demo revoked the grant, in ms since the start. */
  revokedAt: number | undefined
  /** Completed sign-ins (the first one and any after the session expired). */
  signIns: number
  /** Sends the wire tap saw without a demo request tag; always 0 unless something else used the session. */
  untaggedSends: number
  /** What stopped the statechart, if an action threw; the session refuses every request after that. */
  sessionError: unknown
  /** Milliseconds since the run started. */
  elapsed(): number
  record(kind: EntryKind, text: string): void
  /** Calls `listener` for every entry recorded from now on; returns the unsubscribe function. */
  onRecord(listener: (entry: TimelineEntry) => void): () => void
  requestStarted(burst: number): DemoRequest
  sendAnswered(requestId: number | undefined, result: SendResult): void
  requestEnded(request: DemoRequest, kind: OutcomeKind, detail: string): void
}

export function createStats(now: () => number = () => performance.now()): Stats {
  const startedAt = now()
  const requests = new Map<number, DemoRequest>()
  const timeline: TimelineEntry[] = []
  const listeners = new Set<(entry: TimelineEntry) => void>()
  let lastId = 0

  const stats: Stats = {
    session: { state: 'restoring', generation: 0, waiting: 0, onWire: 0 },
    library: { refreshed: 0, refreshFailed: 0, refreshRejected: 0, expired: 0, signedOut: 0, warnings: 0 },
    tokenEndpoint: { refreshRequests: 0, refreshGranted: 0, refreshRefused: 0, revocationRequests: 0 },
    requests,
    timeline,
    revokedAt: undefined,
    signIns: 0,
    untaggedSends: 0,
    sessionError: undefined,
    elapsed: () => now() - startedAt,
    record(kind, text) {
      const entry = { at: stats.elapsed(), kind, text }
      timeline.push(entry)
      if (timeline.length > MAX_TIMELINE) timeline.shift()
      for (const listener of listeners) listener(entry)
    },
    onRecord(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    requestStarted(burst) {
      const request: DemoRequest = { id: ++lastId, burst, sends: [] }
      requests.set(request.id, request)
      return request
    },
    sendAnswered(requestId, result) {
      const request = requestId === undefined ? undefined : requests.get(requestId)
      if (request === undefined) stats.untaggedSends += 1
      else request.sends.push(result)
    },
    requestEnded(request, kind, detail) {
      request.outcome = { kind, at: stats.elapsed(), detail }
    },
  }
  return stats
}

/** Request counts derived from the per-request records. */
export interface RequestTotals {
  sent: number
  ok: number
  failed: number
  /** Not settled yet (live) or never settled (at the end: a bug). */
  pending: number
  /** Rejected with SessionExpiredError once the grant had been revoked: the expected failures. */
  expiredAfterRevocation: number
  /** Rejected with SessionExpiredError before any revocation: unexpected. */
  expiredBeforeRevocation: number
  /** Resolved with a non-2xx response. */
  httpErrors: number
  /** Rejected with anything else. */
  otherErrors: number
  /** Sends the resource server answered, as the wire tap saw them. */
  wireSends: number
  wire2xx: number
  wire401: number
  /** First send got 401, the library refreshed (or found a newer token) and the one replay succeeded. */
  recovered401: number
  /** First send got 401 and the refresh was refused (grant revoked): the caller got SessionExpiredError. */
  unrecovered401: number
}

export function requestTotals(stats: Stats): RequestTotals {
  const totals: RequestTotals = {
    sent: 0,
    ok: 0,
    failed: 0,
    pending: 0,
    expiredAfterRevocation: 0,
    expiredBeforeRevocation: 0,
    httpErrors: 0,
    otherErrors: 0,
    wireSends: 0,
    wire2xx: 0,
    wire401: 0,
    recovered401: 0,
    unrecovered401: 0,
  }
  for (const request of stats.requests.values()) {
    totals.sent += 1
    totals.wireSends += request.sends.length
    for (const result of request.sends) {
      if (typeof result === 'number' && result >= 200 && result < 300) totals.wire2xx += 1
      if (result === 401) totals.wire401 += 1
    }
    const [first, second] = request.sends
    if (first === 401 && typeof second === 'number' && second >= 200 && second < 300) totals.recovered401 += 1
    if (first === 401 && request.outcome?.kind === 'sessionExpired') totals.unrecovered401 += 1

    const outcome = request.outcome
    if (outcome === undefined) totals.pending += 1
    else if (outcome.kind === 'ok') totals.ok += 1
    else {
      totals.failed += 1
      if (outcome.kind === 'sessionExpired') {
        if (stats.revokedAt !== undefined && outcome.at >= stats.revokedAt) totals.expiredAfterRevocation += 1
        else totals.expiredBeforeRevocation += 1
      }
      if (outcome.kind === 'httpError') totals.httpErrors += 1
      if (outcome.kind === 'otherError') totals.otherErrors += 1
    }
  }
  return totals
}
