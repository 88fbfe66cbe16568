/**
 * Reads `WWW-Authenticate` (RFC 9110 §11.6.1) to answer the one question the
 * library has about a 401: is the access token to blame (RFC 6750 §3)?
 *
 * The header comes from the server, so it is treated as hostile: a hand-written
 * single-pass scanner (no regex, so no backtracking), a cap on the input
 * examined, and no throws.
 */

/** One challenge of a `WWW-Authenticate` header (RFC 9110 §11.1). */
export interface Challenge {
  /** The auth-scheme, lower-cased: schemes are case-insensitive (RFC 9110 §11.1). */
  scheme: string
  /**
   * Auth-params by lower-cased name (RFC 9110 §11.2), quoted-string values
   * unescaped. The object has a null prototype, so `params['constructor']` is
   * only ever a value the server sent. A repeated name keeps its first value.
   */
  params: Record<string, string>
  /** The token68 form (RFC 9110 §11.2), verbatim, when sent instead of params. */
  token68?: string
}

/**
 * How many UTF-16 code units of a header are examined. Real challenges are a
 * few hundred bytes; the cap bounds the work a hostile server can cause. A
 * token or token68 that runs into the cap may continue past it, so it counts
 * as damage and parsing stops before it.
 */
export const MAX_CHALLENGE_HEADER_LENGTH = 16 * 1024

// RFC 9110 §5.6.2 tchar, and §11.2 token68 chars: ASCII only, so lower-casing is plain ASCII folding.
const isAlnum = (c: number): boolean => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)
const isTchar = (c: number): boolean => isAlnum(c) || "!#$%&'*+-.^_`|~".includes(String.fromCharCode(c))
const isToken68Char = (c: number): boolean => isAlnum(c) || '-._~+/'.includes(String.fromCharCode(c))
// RFC 9110 §5.6.4: qdtext and quoted-pair allow HTAB, SP, VCHAR and obs-text, never other controls.
// Code units above 0xFF cannot come from fetch (headers are ByteStrings); they are accepted as opaque text.
const isTextChar = (c: number): boolean => c === 0x09 || (c >= 0x20 && c !== 0x7f)

/**
 * Parses every challenge in a `WWW-Authenticate` value, including several
 * header lines joined with `", "` as `Headers.get` does. Never throws: at the
 * first malformed element it returns what was parsed before, possibly `[]`.
 * Only the first {@link MAX_CHALLENGE_HEADER_LENGTH} code units are examined.
 *
 * @example
 * parseChallenges('Basic realm="x", Bearer error="invalid_token"')
 * // [{ scheme: 'basic', params: { realm: 'x' } }, { scheme: 'bearer', params: { error: 'invalid_token' } }]
 */
export function parseChallenges(header: string): Challenge[] {
  const cut = header.length > MAX_CHALLENGE_HEADER_LENGTH
  const s = cut ? header.slice(0, MAX_CHALLENGE_HEADER_LENGTH) : header
  const end = s.length
  const out: Challenge[] = []

  const ows = (j: number): number => {
    while (s[j] === ' ' || s[j] === '\t') j++
    return j
  }
  // An element counts only once its list separator is seen: `error=invalid_tokén`
  // must not yield `invalid_tok`.
  const complete = (k: number): number => {
    const next = ows(k)
    return next >= end || s[next] === ',' ? k : -1
  }
  // End of a non-empty run of `ok` chars from j, or -1 (empty, or it reached the cap).
  const run = (j: number, ok: (c: number) => boolean): number => {
    const start = j
    while (j < end && ok(s.charCodeAt(j))) j++
    return j === start || (cut && j === end) ? -1 : j
  }
  // RFC 9110 §5.6.4: quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE
  const quoted = (j: number): [string, number] | undefined => {
    let value = ''
    let from = j + 1
    for (let k = from; k < end; k++) {
      const c = s.charCodeAt(k)
      if (c === 0x22) return [value + s.slice(from, k), k + 1]
      if (!isTextChar(c)) return undefined
      if (c === 0x5c) {
        if (k + 1 >= end || !isTextChar(s.charCodeAt(k + 1))) return undefined
        value += s.slice(from, k)
        from = ++k
      }
    }
    return undefined
  }
  const bare = (j: number): [string, number] | undefined => {
    const k = run(j, isTchar)
    return k < 0 ? undefined : [s.slice(j, k), k]
  }
  // RFC 9110 §11.2: auth-param = token BWS "=" BWS ( token / quoted-string )
  const param = (j: number): [string, string, number] | undefined => {
    const nameEnd = run(j, isTchar)
    if (nameEnd < 0) return undefined
    let k = ows(nameEnd)
    if (s[k] !== '=') return undefined
    k = ows(k + 1)
    const value = s[k] === '"' ? quoted(k) : bare(k)
    if (!value || complete(value[1]) < 0) return undefined
    return [s.slice(j, nameEnd).toLowerCase(), value[0], value[1]]
  }
  const token68 = (j: number): number => {
    let k = run(j, isToken68Char)
    if (k < 0) return -1
    while (s[k] === '=') k++
    // `a="x` is a broken param, not the token68 `a=`.
    return cut && k === end ? -1 : complete(k)
  }
  const add = (challenge: Challenge, [name, value]: [string, string, number]): void => {
    if (!(name in challenge.params)) challenge.params[name] = value
  }

  let current: Challenge | undefined
  let i = 0
  for (;;) {
    // RFC 9110 §5.6.1.2: recipients must accept empty list elements ("a, , b").
    i = ows(i)
    while (s[i] === ',') i = ows(i + 1)
    if (i >= end) return out
    // After a comma, `name=` continues the current challenge's params; anything
    // else starts a new challenge. A token68 challenge takes no params.
    const more = current && current.token68 === undefined ? param(i) : undefined
    if (more && current) {
      add(current, more)
      i = more[2]
    } else {
      const schemeEnd = run(i, isTchar)
      // RFC 9110 §11.3: a scheme ends the element or is followed by 1*SP (HTAB tolerated).
      const spaced = s[schemeEnd] === ' ' || s[schemeEnd] === '\t'
      if (schemeEnd < 0 || !(spaced || schemeEnd === end || s[schemeEnd] === ',')) return out
      const params = Object.create(null) as Record<string, string>
      current = { scheme: s.slice(i, schemeEnd).toLowerCase(), params }
      out.push(current)
      i = ows(schemeEnd)
      if (spaced && i < end && s[i] !== ',') {
        const first = param(i)
        if (first) {
          add(current, first)
          i = first[2]
        } else {
          const t68End = token68(i)
          if (t68End < 0) return out
          current.token68 = s.slice(i, t68End)
          i = t68End
        }
      }
    }
  }
}

/**
 * Whether a 401 blames the access token, so a refresh may help (RFC 6750 §3.1).
 *
 * - No header, no parsable Bearer or DPoP challenge: `true`. Nothing says otherwise,
 *   and many servers answer an expired token with a bare 401. A malformed
 *   `error` param counts as absent (see {@link parseChallenges}).
 * - A Bearer challenge without `error` (`Bearer realm="api"`): `true`.
 * - `error="invalid_token"`: `true`.
 * - Any other `error` (`insufficient_scope`, `invalid_request`, unknown, empty):
 *   `false`, because a new token would not change the answer; the caller gets
 *   the 401 as is. If several Bearer challenges disagree, such an error wins.
 *
 * The `error` value is compared case-sensitively: RFC 6750 §3.1 defines the
 * codes in lower case, so `INVALID_TOKEN` counts as "another error" and does
 * not trigger a refresh. Param and scheme names are case-insensitive.
 */
export function blamesToken(wwwAuthenticate: string | null): boolean {
  if (wwwAuthenticate === null) return true
  for (const challenge of parseChallenges(wwwAuthenticate)) {
    // RFC 9449 §7.1: a DPoP challenge carries the same error codes; use_dpop_nonce is answered by the proof's own retry.
    const error = challenge.scheme === 'bearer' || challenge.scheme === 'dpop' ? challenge.params['error'] : undefined
    // RFC 6750 §3.1: insufficient_scope and invalid_request must not trigger a refresh.
    if (error !== undefined && error !== 'invalid_token') return false
  }
  return true
}
