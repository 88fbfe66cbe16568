import { InvalidTokenResponseError, RefreshError } from '../machines/errors.js'
import type { TokenEndpoint, TokenSet } from '../machines/ports.js'

/** The token type a session sends: `Bearer` (RFC 6750), or `DPoP` (RFC 9449), whose tokens only work with a proof. */
export type TokenType = 'Bearer' | 'DPoP'

/** Throws unless `tokens` are of the type the session is configured for (RFC 9449 §5: a DPoP session refuses Bearer tokens, and the other way round). */
export function assertTokenType(tokens: TokenSet, expected: TokenType): TokenSet {
  const type = tokens.tokenType ?? 'Bearer'
  if (type !== expected) {
    throw new InvalidTokenResponseError(
      `Invalid token set: token_type is "${type}", but the session sends "${expected}" tokens (tokenType option). Nothing was stored.`,
    )
  }
  return tokens
}

/** The endpoint, refusing a refresh answer of the wrong type as INVALID_RESPONSE before anything is stored. */
export function typedEndpoint(endpoint: TokenEndpoint, expected: TokenType): TokenEndpoint {
  return {
    ...endpoint,
    refresh: async (refreshToken, options) => {
      const tokens = await endpoint.refresh(refreshToken, options)
      try {
        return assertTokenType(tokens, expected)
      } catch (error) {
        throw new RefreshError(`The token endpoint answered with tokens of the wrong type: ${(error as Error).message}`, {
          code: 'INVALID_RESPONSE',
          cause: error,
        })
      }
    },
  }
}
