import { bench, describe } from 'vitest'
import { blamesToken, MAX_CHALLENGE_HEADER_LENGTH } from '../session/challenge.js'

// A typical header next to inputs at the cap: the second group shows the worst
// a hostile server can make one 401 cost.
const fill = (unit: string): string => unit.repeat(Math.ceil(MAX_CHALLENGE_HEADER_LENGTH / unit.length))

describe('blamesToken', () => {
  bench('RFC 6750 §3 expired-token header', () => {
    blamesToken('Bearer realm="example", error="invalid_token", error_description="The access token expired"')
  })
  bench('16 KiB of "Bearer, "', () => {
    blamesToken(fill('Bearer, '))
  })
  bench('16 KiB of params', () => {
    blamesToken('Bearer ' + fill('a="b", '))
  })
  bench('16 KiB unterminated quote', () => {
    blamesToken('Bearer a="' + fill('\\"'))
  })
})
