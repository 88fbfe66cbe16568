import { describe, expect, it } from 'vitest'
import { blamesToken, MAX_CHALLENGE_HEADER_LENGTH, parseChallenges, type Challenge } from '../../session/challenge.js'

const c = (scheme: string, params: Record<string, string> = {}, token68?: string): Challenge =>
  token68 === undefined ? { scheme, params } : { scheme, params, token68 }

// Plain objects for comparison: parsed params have a null prototype.
const plain = (challenges: Challenge[]): Challenge[] => challenges.map((x) => ({ ...x, params: { ...x.params } }))

// Deterministic PRNG (mulberry32) so a failing random case reproduces.
const rng = (seed: number) => (): number => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

describe('parseChallenges', () => {
  it.each<[string, string, Challenge[]]>([
    ['RFC 6750 §3 bare realm', 'Bearer realm="example"', [c('bearer', { realm: 'example' })]],
    [
      'RFC 6750 §3 expired token',
      'Bearer realm="example", error="invalid_token", error_description="The access token expired"',
      [c('bearer', { realm: 'example', error: 'invalid_token', error_description: 'The access token expired' })],
    ],
    [
      'RFC 6750 §3.1 insufficient scope',
      'Bearer realm="example", error="insufficient_scope", scope="openid profile"',
      [c('bearer', { realm: 'example', error: 'insufficient_scope', scope: 'openid profile' })],
    ],
    [
      'two challenges',
      'Basic realm="x", Bearer error="invalid_token"',
      [c('basic', { realm: 'x' }), c('bearer', { error: 'invalid_token' })],
    ],
    [
      'RFC 9110 §11.6.1 example',
      'Newauth realm="apps", type=1, title="Login to \\"apps\\"", Basic realm="simple"',
      [c('newauth', { realm: 'apps', type: '1', title: 'Login to "apps"' }), c('basic', { realm: 'simple' })],
    ],
    ['token68', 'Negotiate abc==', [c('negotiate', {}, 'abc==')]],
    ['token68 with every token68 char', 'Basic QWxh-._~+/Z=', [c('basic', {}, 'QWxh-._~+/Z=')]],
    ['token68 then a challenge', 'Negotiate abc=, Bearer', [c('negotiate', {}, 'abc='), c('bearer')]],
    ['unquoted token value', 'Bearer error=invalid_token', [c('bearer', { error: 'invalid_token' })]],
    ['scheme alone', 'Bearer', [c('bearer')]],
    ['schemes alone', 'Bearer, Basic', [c('bearer'), c('basic')]],
    ['case folding of scheme and names', 'bEaReR ERROR="Invalid_Token"', [c('bearer', { error: 'Invalid_Token' })]],
    [
      'extra whitespace and BWS',
      ' \t Bearer \t realm = "a b" ,\terror\t=\tinvalid_token  ',
      [c('bearer', { realm: 'a b', error: 'invalid_token' })],
    ],
    ['empty list elements', ',, ,Bearer realm=x,,, error=e , ,', [c('bearer', { realm: 'x', error: 'e' })]],
    [
      'header lines joined',
      'Basic realm="a", Bearer realm="b", error="invalid_token"',
      [c('basic', { realm: 'a' }), c('bearer', { realm: 'b', error: 'invalid_token' })],
    ],
    ['escapes of any text char', 'X a="\\a\\\\\\"\\ "', [c('x', { a: 'a\\" ' })]],
    ['empty quoted value', 'Bearer error=""', [c('bearer', { error: '' })]],
    ['obs-text and unicode in quoted values', 'X a="café ☃ 😀"', [c('x', { a: 'café ☃ 😀' })]],
    ['first of repeated params', 'Bearer error=a, ERROR=b', [c('bearer', { error: 'a' })]],
  ])('parses %s', (_, header, expected) => {
    expect(plain(parseChallenges(header))).toStrictEqual(expected)
  })

  it.each<[string, string, Challenge[]]>([
    ['empty string', '', []],
    ['whitespace and commas', ' ,\t,,, ', []],
    ['a param without scheme', 'realm="x"', []],
    ['a stray equals sign', '=', []],
    ['a quote', '"', []],
    ['an unterminated quote', 'Bearer realm="x", error="invalid_token', [c('bearer', { realm: 'x' })]],
    ['a trailing backslash in a quote', 'Bearer a="\\', [c('bearer')]],
    ['a control char in a quote', 'Bearer a="x\u0001", Basic', [c('bearer')]],
    ['a control char in a token', 'Bearer a=b\u0000c', [c('bearer')]],
    ['a missing comma', 'Bearer a=b c=d', [c('bearer')]],
    ['a param after token68', 'Negotiate abc, realm=x', [c('negotiate', {}, 'abc')]],
    ['a scheme glued to a quote', 'Basic realm=x, Bearer"x"', [c('basic', { realm: 'x' })]],
    ['a param without a value', 'Bearer realm=x, error=', [c('bearer', { realm: 'x' })]],
    ['non-ASCII in a token', 'Bearer error=invalid_tokén', [c('bearer')]],
  ])('stops at the damage in %s', (_, header, expected) => {
    expect(plain(parseChallenges(header))).toStrictEqual(expected)
  })

  it('returns params with a null prototype', () => {
    const [bearer] = parseChallenges('Bearer __proto__=x, constructor=y')
    expect(Object.getPrototypeOf(bearer?.params)).toBeNull()
    expect(Object.entries(bearer?.params ?? {})).toStrictEqual([
      ['__proto__', 'x'],
      ['constructor', 'y'],
    ])
    expect(Object.hasOwn(parseChallenges('Bearer')[0]?.params ?? {}, 'toString')).toBe(false)
    expect('toString' in (parseChallenges('Bearer')[0]?.params ?? {})).toBe(false)
  })

  it('parses a header of exactly the cap in full', () => {
    const header = 'Bearer error=' + 'x'.repeat(MAX_CHALLENGE_HEADER_LENGTH - 13)
    expect(header).toHaveLength(MAX_CHALLENGE_HEADER_LENGTH)
    expect(parseChallenges(header)[0]?.params['error']).toHaveLength(MAX_CHALLENGE_HEADER_LENGTH - 13)
  })

  it('ignores everything past the cap', () => {
    const header = 'Bearer ' + 'a=b, '.repeat(4000) + 'error="insufficient_scope"'
    expect(header.length).toBeGreaterThan(MAX_CHALLENGE_HEADER_LENGTH)
    expect(plain(parseChallenges(header))).toStrictEqual([c('bearer', { a: 'b' })])
  })

  const basic = c('basic', { realm: 'x' })
  it.each<[string, string, Challenge[], Challenge[]]>([
    ['a param', 'error=invalid_token', [basic], [c('basic', { realm: 'x', error: 'invalid_token' })]],
    ['a token68', 'Negotiate abcdef', [basic, c('negotiate')], [basic, c('negotiate', {}, 'abcdef')]],
    ['a scheme', 'Negotiate', [basic], [basic, c('negotiate')]],
  ])('drops %s that the cap cuts short', (_, tail, cut, whole) => {
    const head = 'Basic realm=x, '
    const crossing = head.padEnd(MAX_CHALLENGE_HEADER_LENGTH - tail.length + 3, ' ') + tail
    expect(plain(parseChallenges(crossing))).toStrictEqual(cut)
    expect(plain(parseChallenges(head + tail))).toStrictEqual(whole)
  })

  it('round-trips random well-formed challenges', () => {
    const next = rng(42)
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T
    const names = ['realm', 'error', 'Scope', 'ERROR_description', 'a', 'x-y', "!#$%&'*+-.^_`|~"]
    const values = ['', 'x', 'a b', 'Login to "apps"', 'back\\slash', 'tab\there', ',=;', 'é']
    for (let run = 0; run < 500; run++) {
      const expected: Challenge[] = []
      const parts: string[] = []
      for (let n = 1 + Math.floor(next() * 3); n > 0; n--) {
        const scheme = pick(['Bearer', 'basic', 'DPoP', 'Newauth'])
        const params: Record<string, string> = {}
        const written: string[] = []
        for (let p = Math.floor(next() * 4); p > 0; p--) {
          const name = pick(names)
          const value = pick(values)
          params[name.toLowerCase()] ??= value
          const quote = value === '' || /[^\w-]/.test(value) || next() < 0.5
          written.push(`${name}${pick(['=', ' = ', '\t='])}${quote ? `"${value.replace(/["\\]/g, '\\$&')}"` : value}`)
        }
        expected.push(c(scheme.toLowerCase(), params))
        parts.push(written.length === 0 ? scheme : `${scheme} ${written.join(pick([', ', ',', ' ,  ']))}`)
      }
      const header = parts.join(pick([', ', ',', ', , ']))
      expect(plain(parseChallenges(header)), header).toStrictEqual(expected)
    }
  })

  it('never throws and returns well-formed challenges for random tricky strings', () => {
    const next = rng(7)
    const alphabet = [
      '"',
      '\\',
      ',',
      '=',
      ' ',
      '\t',
      'a',
      'B',
      'z',
      '0',
      '/',
      '+',
      '\u0000',
      '\u0001',
      '\r',
      '\n',
      '\u007f',
      'é',
      '😀',
      'Bearer',
      'error',
      'invalid_token',
    ]
    for (let run = 0; run < 5000; run++) {
      let header = ''
      for (let n = Math.floor(next() * 40); n > 0; n--) header += alphabet[Math.floor(next() * alphabet.length)]
      const challenges = parseChallenges(header)
      expect(Array.isArray(challenges), header).toBe(true)
      for (const { scheme, params } of challenges) {
        expect(scheme, header).toMatch(/^[!#$%&'*+\-.^_`|~0-9a-z]+$/)
        for (const name of Object.keys(params)) expect(name, header).toMatch(/^[!#$%&'*+\-.^_`|~0-9a-z]+$/)
      }
      expect(typeof blamesToken(header)).toBe('boolean')
    }
  })

  it.each([
    ['quotes', '"'.repeat(1 << 20), []],
    ['a= pairs', 'a='.repeat(1 << 19), []],
    ['commas', ','.repeat(1 << 20), []],
    ['spaces then a quote', 'Bearer' + ' '.repeat(1 << 20) + '"', [c('bearer')]],
    ['backslashes in a quote', 'Bearer a="' + '\\'.repeat(1 << 20), [c('bearer')]],
    ['repeated params', 'Bearer ' + 'a=b, '.repeat(1 << 18), [c('bearer', { a: 'b' })]],
    ['repeated schemes', 'Bearer, '.repeat(1 << 17), Array.from({ length: MAX_CHALLENGE_HEADER_LENGTH / 8 }, () => c('bearer'))],
  ])('handles 1 MB of %s quickly', (_, header, expected) => {
    const start = performance.now()
    const challenges = parseChallenges(header)
    blamesToken(header)
    expect(performance.now() - start).toBeLessThan(2000)
    expect(plain(challenges)).toStrictEqual(expected)
  })
})

describe('blamesToken', () => {
  it.each<[string, string | null, boolean]>([
    ['no header', null, true],
    ['an empty header', '', true],
    ['an unparsable header', '"""', true],
    ['no Bearer challenge', 'Basic realm="x"', true],
    ['a Basic challenge with an error', 'Basic error="insufficient_scope", Bearer', true],
    ['a bare Bearer realm', 'Bearer realm="example"', true],
    ['a bare Bearer', 'Bearer', true],
    ['a Bearer token68', 'Bearer abc==', true],
    ['invalid_token', 'Bearer realm="example", error="invalid_token", error_description="The access token expired"', true],
    ['unquoted invalid_token', 'Bearer error=invalid_token', true],
    ['a case-folded scheme and name', 'bearer ERROR="invalid_token"', true],
    ['invalid_token after Basic', 'Basic realm="x", Bearer error="invalid_token"', true],
    ['insufficient_scope', 'Bearer error="insufficient_scope", scope="admin"', false],
    ['invalid_request', 'Bearer error="invalid_request"', false],
    ['an unknown error', 'Bearer error="server_overloaded"', false],
    ['an empty error', 'Bearer error=""', false],
    ['an upper-case error value', 'Bearer error="INVALID_TOKEN"', false],
    ['disagreeing Bearer challenges', 'Bearer error="invalid_token", Bearer error="insufficient_scope"', false],
    ['disagreeing Bearer challenges in either order', 'Bearer error="insufficient_scope", Bearer realm="x"', false],
    ['an error cut off by damage', 'Bearer realm="x", error="insufficient_scope', true],
  ])('given %s returns %s', (_, header, expected) => {
    expect(blamesToken(header)).toBe(expected)
  })
})
