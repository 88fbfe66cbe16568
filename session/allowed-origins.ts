import { isLoopback } from '../adapters/http-token-request.js'
import { ConfigurationError } from '../machines/errors.js'

function parseOrigin(entry: string, allowInsecureHttp: boolean): string {
  if (entry === '*' || entry.includes('*')) {
    throw new ConfigurationError(
      `allowedOrigins takes exact origins; "${entry}" is a wildcard. List each origin, e.g. "https://api.example.com".`,
    )
  }
  let url: URL
  try {
    url = new URL(entry)
  } catch {
    throw new ConfigurationError(
      `allowedOrigins: "${entry}" is not an origin. Use scheme://host[:port], e.g. "https://api.example.com".`,
    )
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigurationError(`allowedOrigins: "${entry}" is not an http(s) origin.`)
  }
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw new ConfigurationError(
      `allowedOrigins: "${entry}" has a path, query or credentials; tokens are scoped by origin only. Use "${url.origin}".`,
    )
  }
  // RFC 6750 §5.3: bearer tokens travel over TLS only. Plain
  // http stays possible for loopback, where nothing crosses a network.
  if (url.protocol === 'http:' && !isLoopback(url) && !allowInsecureHttp) {
    throw new ConfigurationError(
      `allowedOrigins: "${entry}" is plain http; bearer tokens must only travel over TLS (RFC 6750 §5.3). Use https, or set allowInsecureHttp for local development.`,
    )
  }
  return url.origin
}

/**
 * The exact origins (scheme, host, port) that receive the access token.
 * Requests anywhere else go out untouched. In a browser the default is the
 * page's own origin; elsewhere there is no safe default, so leaving the list
 * out is a configuration error rather than a guess.
 */
export function allowedOrigins(entries: readonly string[] | undefined, allowInsecureHttp: boolean): ReadonlySet<string> {
  if (entries === undefined) {
    const pageOrigin = (globalThis as { location?: { origin?: unknown } }).location?.origin
    if (typeof pageOrigin !== 'string' || !/^https?:/.test(pageOrigin)) {
      throw new ConfigurationError(
        'createTokenSession needs allowedOrigins here: there is no page origin to default to (e.g. in Node). Pass the API origins that may receive the token, e.g. allowedOrigins: ["https://api.example.com"].',
      )
    }
    return new Set([pageOrigin])
  }
  if (!Array.isArray(entries) || entries.length === 0) {
    throw new ConfigurationError('allowedOrigins must be a non-empty array of origins, e.g. ["https://api.example.com"].')
  }
  return new Set(entries.map((entry) => parseOrigin(String(entry), allowInsecureHttp)))
}
