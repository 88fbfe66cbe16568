import { expect, test } from 'vitest'
import { jsonTokenEndpoint } from '../../adapters/json-token-endpoint.js'
import { oauth2TokenEndpoint } from '../../adapters/oauth2-token-endpoint.js'

// Issue 9, finding 10: a plain-http token endpoint was accepted, so the refresh
// token and the client secret travelled in clear. RFC 6749 §3.2 requires TLS.

test.each([
  ['oauth2TokenEndpoint url', () => oauth2TokenEndpoint({ url: 'http://auth.example.com/token', clientId: 'spa' })],
  [
    'oauth2TokenEndpoint revocationUrl',
    () =>
      oauth2TokenEndpoint({
        url: 'https://auth.example.com/token',
        revocationUrl: 'http://auth.example.com/revoke',
        clientId: 'spa',
      }),
  ],
  ['jsonTokenEndpoint url', () => jsonTokenEndpoint({ url: 'http://api.example.com/refresh' })],
])('%s over plain http beyond loopback is a ConfigurationError', (_, create) => {
  expect(create).toThrow(/is plain http; the refresh token and client secret would travel in clear/)
})

test.each(['http://127.0.0.1:8080/token', 'http://localhost/token', 'http://[::1]:9000/token'])(
  'loopback (%s) may use plain http: nothing crosses a network',
  (url) => {
    expect(() => oauth2TokenEndpoint({ url, clientId: 'spa' })).not.toThrow()
  },
)

test('allowInsecureHttp allows it for local development', () => {
  expect(() =>
    oauth2TokenEndpoint({ url: 'http://auth.dev.internal/token', clientId: 'spa', allowInsecureHttp: true }),
  ).not.toThrow()
  expect(() => jsonTokenEndpoint({ url: 'http://api.dev.internal/refresh', allowInsecureHttp: true })).not.toThrow()
})

test('a relative url takes the page scheme and is accepted', () => {
  expect(() => jsonTokenEndpoint({ url: '/api/auth/refresh' })).not.toThrow()
})
