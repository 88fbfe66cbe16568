/**
 * Validation of token responses, shared by the token endpoint adapters and by
 * `session.signIn`. Strict on purpose: a token that is stored must be usable,
 * and a complaint about a token must never echo it.
 */
import { InvalidTokenResponseError } from '../machines/errors.js'
import type { TokenSet } from '../machines/ports.js'
import { MAX_TOKEN_LENGTH, isHeaderSafe, isVisibleAscii } from '../machines/records.js'

/** Where the members of a token set sit in a response object, and how to talk about it. */
export interface TokenResponseShape {
  /** Names the object in error messages, e.g. `token response`. */
  subject: string
  /** What a valid object looks like, for the "what to do" half of error messages. */
  expected: string
  accessToken: string
  refreshToken: string
  expiresIn: string
  /** When set, the member must say `Bearer` or `DPoP`, and be present unless `tokenTypeOptional`. */
  tokenType?: string
  tokenTypeOptional?: boolean
  /** When unset, scope is not read at all. */
  scope?: string
}

const OAUTH_RESPONSE: TokenResponseShape = {
  subject: 'token response',
  expected: 'an RFC 6749 §5.1 token response',
  accessToken: 'access_token',
  tokenType: 'token_type',
  expiresIn: 'expires_in',
  refreshToken: 'refresh_token',
  scope: 'scope',
}

const TOKEN_SET: TokenResponseShape = {
  subject: 'token set',
  expected: '{ accessToken, refreshToken?, expiresIn?, scope?, tokenType? }',
  accessToken: 'accessToken',
  tokenType: 'tokenType',
  tokenTypeOptional: true,
  expiresIn: 'expiresIn',
  refreshToken: 'refreshToken',
  scope: 'scope',
}

// RFC 6749 A.12 allows spaces in an access token, but it is sent as
// `Authorization: Bearer <token>`, where a space or control character splits
// or breaks the header; RFC 6750 §2.1 b64token is a subset of 0x21-0x7E.
// RFC 6749 A.17: refresh-token = 1*VSCHAR, spaces included. They are kept:
// a refresh token only travels form- or JSON-encoded, never in a header.
// Both checks are the ones every stored or shared record passes (machines/records.ts).

/**
 * Validates a raw RFC 6749 §5.1 token response (snake_case, as the
 * authorization server sends it) and returns it as a `TokenSet`. Unknown
 * members such as `id_token` are ignored.
 *
 * @throws {InvalidTokenResponseError} naming the member at fault, never a token.
 * @example
 * const tokens = parseTokenResponse(await response.json())
 */
export function parseTokenResponse(json: unknown): TokenSet {
  return readTokenSet(json, OAUTH_RESPONSE)
}

/**
 * Validates a token set in the library's camelCase shape, as a custom
 * `TokenEndpoint` resolves it. A member set to `undefined` counts as absent.
 *
 * @throws {InvalidTokenResponseError} naming the member at fault, never a token.
 */
export function validateTokenSet(value: unknown): TokenSet {
  return readTokenSet(value, TOKEN_SET)
}

/**
 * Validates `value` with members named by `shape`; the engine behind
 * `parseTokenResponse` and `validateTokenSet`, exported so the JSON endpoint
 * can name the server's own members in its messages.
 */
export function readTokenSet(value: unknown, shape: TokenResponseShape): TokenSet {
  const invalid = (problem: string) =>
    new InvalidTokenResponseError(
      `Invalid ${shape.subject}: ${problem}. Nothing was stored; the server must send ${shape.expected}.`,
    )
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(`expected an object, got ${describe(value)}`)
  }
  const member = (name: string): unknown => (value as Record<string, unknown>)[name]
  const token = (name: string, allowed: (value: string) => boolean, badCharacters: string): string => {
    const candidate = member(name)
    if (candidate === undefined) throw invalid(`${name} is missing`)
    if (typeof candidate !== 'string') throw invalid(`${name} must be a string, got ${describe(candidate)}`)
    if (candidate === '') throw invalid(`${name} is empty`)
    if (candidate.length > MAX_TOKEN_LENGTH) throw invalid(`${name} is longer than ${MAX_TOKEN_LENGTH} characters`)
    if (!allowed(candidate)) throw invalid(`${name} contains ${badCharacters}`)
    return candidate
  }

  const tokens: TokenSet = {
    accessToken: token(
      shape.accessToken,
      isHeaderSafe,
      'a space, control or non-ASCII character, so it cannot be sent in an Authorization header (RFC 6750 §2.1)',
    ),
  }

  if (shape.tokenType !== undefined) {
    const tokenType = member(shape.tokenType)
    // RFC 6749 §5.1: token_type is REQUIRED and case-insensitive. Bearer (RFC 6750) and DPoP (RFC 9449 §5) can be sent.
    if (tokenType === undefined && !shape.tokenTypeOptional) throw invalid(`${shape.tokenType} is missing`)
    if (tokenType !== undefined) {
      if (typeof tokenType !== 'string' || !/^(?:bearer|dpop)$/i.test(tokenType)) {
        // Only registered type names are echoed; an arbitrary value might be a misplaced token.
        const shown =
          typeof tokenType === 'string' && /^(?:mac|pop|n_a)$/i.test(tokenType) ? `"${tokenType}"` : describe(tokenType)
        throw invalid(`${shape.tokenType} must be "Bearer" or "DPoP", got ${shown}`)
      }
      // Absent means Bearer, so only DPoP is kept.
      if (/^dpop$/i.test(tokenType)) tokens.tokenType = 'DPoP'
    }
  }

  const expiresIn = readLifetime(member(shape.expiresIn))
  if (expiresIn === null) {
    throw invalid(`${shape.expiresIn} must be a non-negative number of seconds, got ${describe(member(shape.expiresIn))}`)
  }
  if (expiresIn !== undefined) tokens.expiresIn = expiresIn

  // Absent means not rotated: RFC 6749 §6 keeps the old refresh token then.
  if (member(shape.refreshToken) !== undefined) {
    tokens.refreshToken = token(shape.refreshToken, isVisibleAscii, 'a control or non-ASCII character (RFC 6749 A.17)')
  }

  const scope = shape.scope === undefined ? undefined : member(shape.scope)
  if (scope !== undefined) {
    if (typeof scope !== 'string') throw invalid(`${shape.scope} must be a string, got ${describe(scope)}`)
    tokens.scope = scope
  }
  return tokens
}

/**
 * RFC 6749 §5.1: `expires_in` is the lifetime in seconds. It is metadata, not
 * a security decision, so it is read tolerantly: any non-negative finite
 * number (fractions included), or a string of digits, as some servers send
 * it. Undefined when absent, null when unusable.
 */
function readLifetime(value: unknown): number | undefined | null {
  if (value === undefined) return undefined
  const seconds = typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : value
  return typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0 ? seconds : null
}

/** The kind of a value, safe to print whatever the value holds. */
function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value)
  if (Array.isArray(value)) return 'an array'
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`
}
