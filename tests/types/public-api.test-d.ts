import { expectTypeOf, test } from 'vitest'
import {
  createTokenSession,
  isRefreshError,
  oauth2TokenEndpoint,
  type RefreshErrorCode,
  type SessionContext,
  type SessionRequestInit,
  type TokenSession,
  type TokenSet,
} from '../../index.js'

const session = createTokenSession({
  tokenEndpoint: oauth2TokenEndpoint({ url: 'https://auth.example.com/token', clientId: 'spa' }),
  allowedOrigins: ['https://api.example.com'],
})

test('createTokenSession returns a TokenSession whose fetch has the fetch signature', () => {
  expectTypeOf(session).toEqualTypeOf<TokenSession>()
  expectTypeOf(session.fetch).parameters.toEqualTypeOf<[input: RequestInfo | URL, init?: SessionRequestInit]>()
  expectTypeOf(session.fetch).returns.toEqualTypeOf<Promise<Response>>()
  // Still a fetch: it can be handed to any client that takes one.
  expectTypeOf(session.fetch).toExtend<typeof fetch>()
})

test('a plain async function is a token endpoint', () => {
  createTokenSession({
    tokenEndpoint: async (refreshToken: string, { signal }: { signal: AbortSignal }): Promise<TokenSet> => {
      expectTypeOf(signal).toEqualTypeOf<AbortSignal>()
      return { accessToken: refreshToken }
    },
    allowedOrigins: ['https://api.example.com'],
  })
})

test('events are typed by name, and unknown names are refused', () => {
  session.on('refreshed', (event) => {
    expectTypeOf(event.generation).toEqualTypeOf<number>()
  })
  session.on('refreshFailed', (event) => expectTypeOf(event.code).toExtend<RefreshErrorCode>())
  session.on('warning', (warning) => expectTypeOf(warning.message).toEqualTypeOf<string>())
  // @ts-expect-error not an event of the session
  session.on('tokens', () => undefined)
})

test('the machine context holds metadata only: the one string is the grant id, an identity that opens nothing', () => {
  type StringFields = {
    [K in keyof SessionContext]: Extract<SessionContext[K], string> extends never ? never : K
  }[keyof SessionContext]
  expectTypeOf<StringFields>().toEqualTypeOf<'grant'>()
})

test('send is typed by the response of the client that performs the request', () => {
  const answer = session.send(async (token: string) => ({ status: 200, headers: { etag: 'x' }, data: token.length }), {
    url: 'https://api.example.com/x',
  })
  expectTypeOf(answer).toEqualTypeOf<Promise<{ status: number; headers: { etag: string }; data: number }>>()
  expectTypeOf(session.getAccessToken({ minValidity: 30_000 })).toEqualTypeOf<Promise<string>>()
})

test('type guards narrow unknown errors', () => {
  const error: unknown = new Error('x')
  if (isRefreshError(error)) expectTypeOf(error.code).toEqualTypeOf<RefreshErrorCode>()
})
