/**
 * `npm run example -- react` (or vue, svelte, angular): builds the example
 * with its toolchain and serves it on loopback beside a real authorization
 * server (oidc-provider, 30 s access tokens) and a real API, then prints the
 * address to open. Open it in two tabs, sign in in one, and watch both.
 * `?inspect=https://stately.ai/inspect` adds the Stately inspector.
 */
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startAuthorizationServer, startResourceServer } from '../../tests/servers/index.js'
import { buildExample, type ExampleName } from '../../tests/support/build-example.js'
import { startExampleHost } from '../../tests/support/example-host.js'

const NAMES: ExampleName[] = ['react', 'vue', 'svelte', 'angular']
const name = process.argv[2] as ExampleName | undefined
if (name === undefined || !NAMES.includes(name)) {
  console.error(`usage: npm run example -- ${NAMES.join('|')}`)
  process.exit(2)
}

const outDir = await mkdtemp(join(tmpdir(), `trm-example-${name}-`))
console.log(`building the ${name} example...`)
const { ms, page } = await buildExample(name, outDir)
const as = await startAuthorizationServer({ accessTokenTtlSeconds: 30 })
const api = await startResourceServer({ issuer: as.issuer, jwksUri: as.jwksUri, audience: as.resource, cors: true })
const host = await startExampleHost({ dir: page, as, api, config: { loadEveryMs: 2_000 } })
console.log(`built in ${Math.round(ms)} ms; open ${host.url('/')} (Ctrl+C stops)`)
