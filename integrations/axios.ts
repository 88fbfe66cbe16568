/**
 * `token-refresh-machine/axios`: an axios instance whose requests go through
 * the session, with every guarantee `session.fetch` has: one refresh for any
 * number of concurrent rejections, one replay, the allowlist, abort, bodies
 * that survive the replay, every request settled once. axios is an optional
 * peer dependency; nothing here reaches the main entry.
 */
import axios, {
  AxiosError,
  AxiosHeaders,
  CanceledError,
  type AxiosAdapter,
  type AxiosInstance,
  type AxiosResponse,
  type InternalAxiosRequestConfig,
} from 'axios'
import { isTokenSessionError } from '../machines/errors.js'
import type { TokenSession } from '../session/session-options.js'
import type { TokenRejection } from '../session/token-rejection.js'

export interface AxiosTokenSessionOptions {
  /**
   * When an answer means the access token was refused.
   * @default RFC 6750 §3.1: a 401 whose `WWW-Authenticate` challenge blames the token
   */
  isTokenRejected?: TokenRejection<AxiosResponse>
}

function isStream(data: unknown): boolean {
  return typeof data === 'object' && data !== null && typeof (data as { pipe?: unknown }).pipe === 'function'
}

/** The library's error in axios's shape: an `AxiosError` whose `cause` is the typed error. */
function asAxiosError(error: unknown, config: InternalAxiosRequestConfig): unknown {
  if (!isTokenSessionError(error)) return error
  const wrapped = new AxiosError(error.message, error.code, config)
  ;(wrapped as { cause?: unknown }).cause = error
  return wrapped
}

/**
 * Routes every request of `instance` through `session`: its adapter asks the
 * session for the token (only for origins on the session's allowlist, the URL
 * resolved against `baseURL` first), sends with the adapter the instance had,
 * and lets the session decide on a rejection. The instance's own
 * `validateStatus` and interceptors keep working.
 *
 * @example
 * const api = withTokenSession(axios.create({ baseURL: 'https://api.example.com' }), session)
 * const { data } = await api.get('/orders')
 */
export function withTokenSession(
  instance: AxiosInstance,
  session: TokenSession,
  options: AxiosTokenSessionOptions = {},
): AxiosInstance {
  const send = axios.getAdapter(instance.defaults.adapter)

  const adapter: AxiosAdapter = async (config) => {
    // Every status comes back to the session first; the instance's rule is applied once it is done.
    const attempt = (accessToken: string | undefined) => {
      const headers = AxiosHeaders.from(config.headers)
      if (accessToken !== undefined) headers.set('Authorization', `Bearer ${accessToken}`)
      return send({ ...config, headers, validateStatus: () => true })
    }
    const url = instance.getUri(config)
    let response: AxiosResponse
    try {
      response = session.allowsOrigin(url)
        ? await session.send(attempt, {
            url,
            signal: config.signal as AbortSignal | undefined,
            replayable: !isStream(config.data),
            ...(options.isTokenRejected ? { isTokenRejected: options.isTokenRejected } : {}),
          })
        : await attempt(undefined)
    } catch (error) {
      if ((config.signal as AbortSignal | undefined)?.aborted) throw new CanceledError(undefined, undefined, config)
      throw asAxiosError(error, config)
    }
    const { validateStatus } = config
    if (validateStatus && !validateStatus(response.status)) {
      const code = response.status >= 500 ? AxiosError.ERR_BAD_RESPONSE : AxiosError.ERR_BAD_REQUEST
      throw new AxiosError(`Request failed with status code ${response.status}`, code, config, response.request, response)
    }
    return response
  }

  instance.defaults.adapter = adapter
  return instance
}
