/**
 * `npm run demo`: a real authorization server, a protected API and a client
 * using the library, all on 127.0.0.1, for a bounded time; then a summary
 * whose numbers are checked against the servers' own counts. The exit code
 * is 0 only when every check holds, so CI can run it as a smoke test.
 */
import { startAuthorizationServer, startResourceServer } from '../tests/servers/index.js'
import { createDemoApp } from './app.js'
import { checkRun } from './checks.js'
import { startEventLog } from './event-log.js'
import { seconds } from './format.js'
import { startInspectorBridge } from './inspector-bridge.js'
import { startLivePanel } from './live-panel.js'
import { observeSession } from './observe-session.js'
import { parseDemoOptions, USAGE, type DemoOptions } from './options.js'
import { ACCESS_TOKEN_TTL_SECONDS, planScenario, runScenario } from './scenario.js'
import { createStats } from './stats.js'
import { renderSummary } from './summary.js'

/** Long enough to open a browser tab; the run starts anyway afterwards and the page catches up when it connects. */
const INSPECTOR_WAIT_MS = 60_000
/** Exit code of a run the user stopped with Ctrl-C (128 + SIGINT), as shells report it. */
const INTERRUPTED = 130

async function main(options: DemoOptions): Promise<number> {
  const interrupt = new AbortController()
  const onSigint = () => interrupt.abort()
  // Once: a second Ctrl-C gets Node's default and ends the process at once.
  process.once('SIGINT', onSigint)
  const closers: (() => Promise<void>)[] = []
  try {
    const authorizationServer = await startAuthorizationServer({ accessTokenTtlSeconds: ACCESS_TOKEN_TTL_SECONDS })
    closers.push(() => authorizationServer.close())
    const resourceServer = await startResourceServer({
      issuer: authorizationServer.issuer,
      jwksUri: authorizationServer.jwksUri,
      audience: authorizationServer.resource,
    })
    closers.push(() => resourceServer.close())
    const bridge = options.inspect ? await startInspectorBridge(options.inspectPort) : undefined
    if (bridge !== undefined) closers.push(() => bridge.close())

    const plan = planScenario(options.durationSeconds * 1_000)
    const dataUrl = `${resourceServer.url}/data`
    console.log(
      [
        'token-refresh-machine demo: a client using the library against real servers, all on 127.0.0.1',
        `  authorization server  ${authorizationServer.issuer}  (oidc-provider; access tokens live ${ACCESS_TOKEN_TTL_SECONDS} s, refresh tokens rotate)`,
        `  resource server       ${dataUrl}`,
        `  traffic               ${plan.bursts} bursts of ${plan.burstSize} concurrent requests, one every ${seconds(plan.burstEveryMs)}; ` +
          `the grant is revoked at ${seconds(plan.revokeAtMs)}`,
        '',
      ].join('\n'),
    )
    if (bridge !== undefined) {
      console.log(`Stately inspector: open ${bridge.url} in a browser (the page loads the inspector UI from stately.ai).`)
      console.log(`Waiting up to ${seconds(INSPECTOR_WAIT_MS)} for the page...`)
      const opened = await bridge.waitForPage(INSPECTOR_WAIT_MS, interrupt.signal)
      console.log(opened ? 'Inspector page connected.\n' : 'No page yet; starting anyway (it catches up when opened).\n')
    }

    const stats = createStats()
    const app = createDemoApp({
      authorizationServer,
      resourceOrigin: resourceServer.origin,
      stats,
      reactive: options.reactive,
      ...(bridge === undefined ? {} : { inspect: bridge.inspect }),
    })
    const stopObserving = observeSession(app.session, stats)
    const view = options.live
      ? startLivePanel(stats, {
          plan,
          authorizationServer: authorizationServer.counts,
          resourceServer: resourceServer.counts,
          out: process.stdout,
        })
      : startEventLog(stats, (line) => console.log(line))
    try {
      await runScenario({ app, authorizationServer, dataUrl, stats, plan, signal: interrupt.signal })
    } finally {
      view.stop()
      stopObserving()
    }

    const counts = { stats, authorizationServer: authorizationServer.counts, resourceServer: resourceServer.counts }
    const interrupted = interrupt.signal.aborted
    const checks = checkRun({ ...counts, interrupted })
    console.log(`\n${renderSummary({ ...counts, checks, interrupted })}`)
    if (stats.sessionError !== undefined) console.error('\nThe statechart stopped with:', stats.sessionError)
    if (interrupted) return INTERRUPTED
    return checks.every((check) => check.ok) ? 0 : 1
  } finally {
    process.off('SIGINT', onSigint)
    // Every server gets its close, even if an earlier one fails.
    for (const close of closers.reverse())
      await close().catch((error: unknown) => console.error('Closing a server failed:', error))
  }
}

let options: DemoOptions | undefined
try {
  options = parseDemoOptions(process.argv.slice(2), process.stdout.isTTY === true)
} catch (error) {
  console.error(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`)
  process.exitCode = 2
}
if (options?.help === true) console.log(USAGE)
else if (options !== undefined) {
  process.exitCode = await main(options).catch((error: unknown) => {
    console.error('The demo failed:', error)
    return 1
  })
}
