import { expectTypeOf, test } from 'vitest'
import {
  createTokenSession,
  isRefreshError,
  oauth2TokenEndpoint,
  type RefreshErrorCode,
  type SessionContext,
  type TokenSession,
  type TokenSet,
} from '../../index.js'

const session = createTokenSession({
  tokenEndpoint: oauth2TokenEndpoint({ url: 'https://auth.example.com/token', clientId: 'spa' }),
  allowedOrigins: ['https://api.example.com'],
})

test('createTokenSession returns a TokenSession whose fetch has the fetch signature', () => {
  expectTypeOf(session).toEqualTypeOf<TokenSession>()
  expectTypeOf(session.fetch).parameters.toEqualTypeOf<[input: RequestInfo | URL, init?: RequestInit]>()
  expectTypeOf(session.fetch).returns.toEqualTypeOf<Promise<Response>>()
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

test('the machine context holds metadata only: no field can carry a token string', () => {
  type StringFields = { [K in keyof SessionContext]: SessionContext[K] extends string ? K : never }[keyof SessionContext]
  expectTypeOf<StringFields>().toEqualTypeOf<never>()
})

test('type guards narrow unknown errors', () => {
  const error: unknown = new Error('x')
  if (isRefreshError(error)) expectTypeOf(error.code).toEqualTypeOf<RefreshErrorCode>()
})
