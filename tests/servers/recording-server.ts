import { closeServer, listenOnLoopback, originOf } from './loopback.js'

/** One request as the foreign origin saw it. */
export interface RecordedRequest {
  /** Path and query, e.g. `/landing?x=1` */
  path: string
  /** The `Authorization` header, or `undefined` when none was sent. */
  authorization: string | undefined
}

/** A server on a different origin that records what reaches it. */
export interface RecordingServer {
  /** `http://127.0.0.1:PORT`, a different port, so a different origin from every other server. */
  origin: string
  /** Same as `origin`: the base URL to append paths to. */
  url: string
  /** Every request received, oldest first. Empty it with `seen.length = 0`. */
  seen: RecordedRequest[]
  close(): Promise<void>
}

/**
 * Starts a "foreign origin" that answers 200 `ok` to anything and records whether a bearer token
 * came along: the proof that a client does not leak its token when redirected off its API.
 */
export async function startRecordingServer(): Promise<RecordingServer> {
  const seen: RecordedRequest[] = []
  const server = await listenOnLoopback((request, response) => {
    seen.push({ path: request.url ?? '/', authorization: request.headers.authorization })
    request.resume()
    response.writeHead(200, { 'content-type': 'text/plain' }).end('ok')
  })
  const origin = originOf(server)
  return { origin, url: origin, seen, close: () => closeServer(server) }
}
