import { describe, expect, it } from 'vitest'
import { parseTokenResponse, validateTokenSet } from '../../adapters/token-response.js'
import { InvalidTokenResponseError } from '../../machines/errors.js'

const ACCESS = 'at-SECRET-4f9a2c'
const REFRESH = 'rt-SECRET-77b1e0'
const valid = { access_token: ACCESS, token_type: 'Bearer' }

function rejection(run: () => unknown): InvalidTokenResponseError {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidTokenResponseError)
    const invalid = error as InvalidTokenResponseError
    expect(invalid.code).toBe('INVALID_TOKEN_RESPONSE')
    return invalid
  }
  throw new Error('expected an InvalidTokenResponseError')
}

describe('parseTokenResponse', () => {
  it.each([
    ['a minimal Bearer response', valid, { accessToken: ACCESS }],
    ['token_type "bearer"', { ...valid, token_type: 'bearer' }, { accessToken: ACCESS }],
    ['token_type "BEARER"', { ...valid, token_type: 'BEARER' }, { accessToken: ACCESS }],
    ['token_type "DPoP" (RFC 9449 §5)', { ...valid, token_type: 'dpop' }, { accessToken: ACCESS, tokenType: 'DPoP' }],
    ['expires_in 0', { ...valid, expires_in: 0 }, { accessToken: ACCESS, expiresIn: 0 }],
    ['expires_in 3600', { ...valid, expires_in: 3600 }, { accessToken: ACCESS, expiresIn: 3600 }],
    // RFC 6749 §5.1 says seconds, not whole seconds; a churn run met a server answering 0.2 (issue 9, finding 13).
    ['expires_in 0.2', { ...valid, expires_in: 0.2 }, { accessToken: ACCESS, expiresIn: 0.2 }],
    // Some servers send the number as a string of digits; oauth4webapi accepts it too.
    ['expires_in "3600"', { ...valid, expires_in: '3600' }, { accessToken: ACCESS, expiresIn: 3600 }],
    ['expires_in beyond 2^53 (clamped later)', { ...valid, expires_in: 2 ** 60 }, { accessToken: ACCESS, expiresIn: 2 ** 60 }],
    ['a refresh token', { ...valid, refresh_token: REFRESH }, { accessToken: ACCESS, refreshToken: REFRESH }],
    [
      'a refresh token with a space (RFC 6749 A.17 VSCHAR)',
      { ...valid, refresh_token: 'a b' },
      { accessToken: ACCESS, refreshToken: 'a b' },
    ],
    ['a scope', { ...valid, scope: 'read write' }, { accessToken: ACCESS, scope: 'read write' }],
    ['an empty scope string', { ...valid, scope: '' }, { accessToken: ACCESS, scope: '' }],
    ['unknown members such as id_token', { ...valid, id_token: 'x.y.z', foo: [1] }, { accessToken: ACCESS }],
    [
      'every printable character in the access token',
      { ...valid, access_token: '!~AZaz09-._~+/=' },
      { accessToken: '!~AZaz09-._~+/=' },
    ],
    [
      'a full response',
      { ...valid, expires_in: 300, refresh_token: REFRESH, scope: 'openid' },
      { accessToken: ACCESS, expiresIn: 300, refreshToken: REFRESH, scope: 'openid' },
    ],
  ])('accepts %s', (_title, json, expected) => {
    expect(parseTokenResponse(json)).toStrictEqual(expected)
  })

  it.each([
    ['a string', 'access_token=x', 'expected an object, got a string'],
    ['null', null, 'expected an object, got null'],
    ['undefined', undefined, 'expected an object, got undefined'],
    ['an array', [valid], 'expected an object, got an array'],
    ['a number', 42, 'expected an object, got a number'],
    ['a missing access_token', { token_type: 'Bearer' }, 'access_token is missing'],
    ['an empty access_token', { ...valid, access_token: '' }, 'access_token is empty'],
    ['a numeric access_token', { ...valid, access_token: 123 }, 'access_token must be a string, got a number'],
    ['a null access_token', { ...valid, access_token: null }, 'access_token must be a string, got null'],
    [
      'an access_token with a space',
      { ...valid, access_token: `${ACCESS} x` },
      'access_token contains a space, control or non-ASCII character',
    ],
    [
      'an access_token with a newline',
      { ...valid, access_token: `${ACCESS}\r\nX-Injected: 1` },
      'access_token contains a space, control or non-ASCII character',
    ],
    [
      'an access_token with a tab',
      { ...valid, access_token: `${ACCESS}\t` },
      'access_token contains a space, control or non-ASCII character',
    ],
    [
      'a non-ASCII access_token',
      { ...valid, access_token: `${ACCESS}é` },
      'access_token contains a space, control or non-ASCII character',
    ],
    ['a missing token_type', { access_token: ACCESS }, 'token_type is missing'],
    ['token_type "mac"', { ...valid, token_type: 'mac' }, 'token_type must be "Bearer" or "DPoP", got "mac"'],
    [
      'token_type "Bearer " with a space',
      { ...valid, token_type: 'Bearer ' },
      'token_type must be "Bearer" or "DPoP", got a string',
    ],
    ['a numeric token_type', { ...valid, token_type: 1 }, 'token_type must be "Bearer" or "DPoP", got a number'],
    [
      'expires_in "1.5" (digits only)',
      { ...valid, expires_in: '1.5' },
      'expires_in must be a non-negative number of seconds, got a string',
    ],
    ['expires_in "soon"', { ...valid, expires_in: 'soon' }, 'expires_in must be a non-negative number of seconds, got a string'],
    ['expires_in -1', { ...valid, expires_in: -1 }, 'expires_in must be a non-negative number of seconds, got a number'],
    ['expires_in NaN', { ...valid, expires_in: Number.NaN }, 'expires_in must be a non-negative number of seconds, got a number'],
    [
      'expires_in Infinity',
      { ...valid, expires_in: Number.POSITIVE_INFINITY },
      'expires_in must be a non-negative number of seconds, got a number',
    ],
    ['expires_in null', { ...valid, expires_in: null }, 'expires_in must be a non-negative number of seconds, got null'],
    ['an empty refresh_token', { ...valid, refresh_token: '' }, 'refresh_token is empty'],
    ['a null refresh_token', { ...valid, refresh_token: null }, 'refresh_token must be a string, got null'],
    ['a numeric refresh_token', { ...valid, refresh_token: 7 }, 'refresh_token must be a string, got a number'],
    [
      'a refresh_token with a newline',
      { ...valid, refresh_token: `${REFRESH}\n` },
      'refresh_token contains a control or non-ASCII character',
    ],
    [
      'a non-ASCII refresh_token',
      { ...valid, refresh_token: `${REFRESH}ü` },
      'refresh_token contains a control or non-ASCII character',
    ],
    ['a scope array', { ...valid, scope: ['read'] }, 'scope must be a string, got an array'],
  ])('rejects %s', (_title, json, problem) => {
    const error = rejection(() => parseTokenResponse(json))
    expect(error.message).toContain(`Invalid token response: ${problem}`)
    expect(error.message).toContain('RFC 6749 §5.1')
  })

  it('never puts a token in a message', () => {
    const cases = [
      { access_token: `${ACCESS} `, token_type: 'Bearer', refresh_token: REFRESH },
      { access_token: ACCESS, token_type: 'Bearer', refresh_token: `${REFRESH}\n` },
      { access_token: ACCESS, token_type: ACCESS, refresh_token: REFRESH },
      { access_token: ACCESS, token_type: 'Bearer', refresh_token: REFRESH, expires_in: ACCESS },
    ]
    for (const json of cases) {
      const { message } = rejection(() => parseTokenResponse(json))
      expect(message).not.toContain(ACCESS)
      expect(message).not.toContain(REFRESH)
    }
  })
})

describe('validateTokenSet', () => {
  it.each([
    ['an access token alone', { accessToken: ACCESS }, { accessToken: ACCESS }],
    [
      'every member',
      { accessToken: ACCESS, refreshToken: REFRESH, expiresIn: 0, scope: 'a b' },
      { accessToken: ACCESS, refreshToken: REFRESH, expiresIn: 0, scope: 'a b' },
    ],
    [
      'members set to undefined as absent',
      { accessToken: ACCESS, refreshToken: undefined, expiresIn: undefined, scope: undefined },
      { accessToken: ACCESS },
    ],
    ['no tokenType', { accessToken: ACCESS }, { accessToken: ACCESS }],
    ['tokenType "Bearer", the default, left out', { accessToken: ACCESS, tokenType: 'Bearer' }, { accessToken: ACCESS }],
    ['tokenType "DPoP" (RFC 9449 §5)', { accessToken: ACCESS, tokenType: 'DPoP' }, { accessToken: ACCESS, tokenType: 'DPoP' }],
  ])('accepts %s', (_title, value, expected) => {
    expect(validateTokenSet(value)).toStrictEqual(expected)
  })

  it.each([
    ['null', null, 'expected an object, got null'],
    ['an array', [], 'expected an object, got an array'],
    ['snake_case members', { access_token: ACCESS }, 'accessToken is missing'],
    [
      'an unknown tokenType',
      { accessToken: ACCESS, tokenType: 'whatever' },
      'tokenType must be "Bearer" or "DPoP", got a string',
    ],
    ['an empty accessToken', { accessToken: '' }, 'accessToken is empty'],
    ['an accessToken with a space', { accessToken: 'a b' }, 'accessToken contains a space, control or non-ASCII character'],
    [
      'expiresIn "an hour"',
      { accessToken: ACCESS, expiresIn: 'an hour' },
      'expiresIn must be a non-negative number of seconds, got a string',
    ],
    ['expiresIn -1', { accessToken: ACCESS, expiresIn: -1 }, 'expiresIn must be a non-negative number of seconds, got a number'],
    ['a null refreshToken', { accessToken: ACCESS, refreshToken: null }, 'refreshToken must be a string, got null'],
    ['an empty refreshToken', { accessToken: ACCESS, refreshToken: '' }, 'refreshToken is empty'],
    ['a numeric scope', { accessToken: ACCESS, scope: 1 }, 'scope must be a string, got a number'],
  ])('rejects %s', (_title, value, problem) => {
    const error = rejection(() => validateTokenSet(value))
    expect(error.message).toContain(`Invalid token set: ${problem}`)
  })

  it('never puts a token in a message', () => {
    const { message } = rejection(() => validateTokenSet({ accessToken: `${ACCESS}\n`, refreshToken: REFRESH }))
    expect(message).not.toContain(ACCESS)
    expect(message).not.toContain(REFRESH)
  })
})
