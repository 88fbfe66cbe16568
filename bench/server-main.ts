/**
 * One server's own process, started by `run.ts` (`--role resource`, then
 * `--role token --resource-control URL`), so that server work never shares an
 * event loop with the client being measured, and a refresh never waits behind
 * the API's backlog. Prints one JSON line with its URLs, then serves until
 * its parent closes stdin (with `--watch-stdin`), sends SIGTERM, or the
 * lifetime cap passes.
 */
import { parseArgs } from 'node:util'
import { startResourceServer, startTokenServer } from './servers.js'

const MAX_LIFETIME_MS = 30 * 60_000

const { values } = parseArgs({
  options: {
    role: { type: 'string' },
    'resource-control': { type: 'string' },
    'watch-stdin': { type: 'boolean', default: false },
  },
})

let server: { urls: unknown; close(): Promise<void> }
if (values.role === 'resource') server = await startResourceServer()
else if (values.role === 'token' && values['resource-control'] !== undefined)
  server = await startTokenServer(values['resource-control'])
else throw new Error('usage: server-main.ts --role resource | --role token --resource-control URL [--watch-stdin]')
process.stdout.write(`${JSON.stringify(server.urls)}\n`)

let stopping = false
const stop = () => {
  if (stopping) return
  stopping = true
  void server.close().finally(() => process.exit(0))
  // Do not wait on a connection that refuses to close.
  setTimeout(() => process.exit(0), 2_000).unref()
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
// run.ts holds a pipe open: if run.ts dies, the pipe closes and so does this server.
if (values['watch-stdin'] === true) {
  process.stdin.on('end', stop)
  process.stdin.on('close', stop)
  process.stdin.resume()
}
setTimeout(stop, MAX_LIFETIME_MS).unref()
