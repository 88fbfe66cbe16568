import { blamesToken } from './challenge.js'

/**
 * Says whether an answer means "the access token was refused", so that one
 * refresh and one replay may help. Sync or async; a predicate for `fetch`
 * answers gets a clone of the response, so it may read the body, and the
 * caller still gets a response whose body it can read.
 */
export type TokenRejection<TResponse = Response> = (response: TResponse) => boolean | Promise<boolean>

/** The answer's status and `WWW-Authenticate`, from a fetch `Response` or any client's plain header bag (axios). */
function headerOf(response: unknown, name: string): string | null {
  const headers = (response as { headers?: unknown }).headers
  if (headers === null || typeof headers !== 'object') return null
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name)
  const value = (headers as Record<string, unknown>)[name]
  return typeof value === 'string' ? value : Array.isArray(value) ? value.join(', ') : null
}

/**
 * The default, RFC 6750 §3.1: a 401 whose `WWW-Authenticate` challenge blames
 * the token (`invalid_token`, a bare Bearer challenge, or none). An
 * `insufficient_scope` or `invalid_request` 401 never refreshes.
 */
export function bearerChallenge(response: { status: number; headers?: unknown }): boolean {
  return response.status === 401 && blamesToken(headerOf(response, 'www-authenticate'))
}

/**
 * For APIs that say "expired" with other statuses (a 403, say): any of
 * `statuses` means the token was refused. A 401 still follows RFC 6750 §3.1.
 *
 * @example
 * createTokenSession({ ...options, isTokenRejected: statusCodes([401, 403]) })
 */
export function statusCodes(statuses: readonly number[]): TokenRejection<{ status: number; headers?: unknown }> {
  const set = new Set(statuses)
  return (response) => (response.status === 401 ? bearerChallenge(response) : set.has(response.status))
}

/** Largest GraphQL body read for `errors`, in bytes: an answer with data can be big, a rejection is not. */
const MAX_GRAPHQL_ERROR_BODY = 64 * 1024

/**
 * GraphQL servers answer a refused token with `200` and
 * `{"errors":[{"extensions":{"code":"UNAUTHENTICATED"}}]}` (Apollo Server's
 * convention). A 401 still follows RFC 6750 §3.1. Only JSON bodies up to
 * 64 KiB are read; the predicate gets a clone, so the caller still reads the body.
 *
 * @example
 * createTokenSession({ ...options, isTokenRejected: graphqlUnauthenticated })
 */
export async function graphqlUnauthenticated(response: Response): Promise<boolean> {
  if (response.status === 401) return bearerChallenge(response)
  if (!(response.headers.get('content-type') ?? '').includes('json')) return false
  if (Number(response.headers.get('content-length') ?? 0) > MAX_GRAPHQL_ERROR_BODY) return false
  try {
    const text = await response.text()
    if (text.length > MAX_GRAPHQL_ERROR_BODY || !text.includes('UNAUTHENTICATED')) return false
    const { errors } = JSON.parse(text) as { errors?: Array<{ extensions?: { code?: unknown } }> }
    return Array.isArray(errors) && errors.some((error) => error?.extensions?.code === 'UNAUTHENTICATED')
  } catch {
    return false
  }
}
