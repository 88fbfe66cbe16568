/**
 * Size: each published entry bundled by esbuild for the browser, minified,
 * then gzipped, with `xstate` left out and bundled in; a tree-shaking check;
 * the peers bundled the same way for scale. Measured once per run.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { BundleSize } from '../bundle.js'
import { LIBRARY } from '../contenders.js'
import { kilobytes, number, table } from '../markdown.js'
import { defineScenario } from '../scenario.js'
import type { ScenarioRun } from '../scenario-run.js'
import { isWorse, type Comparison } from '../slower.js'
import { spread } from '../stats.js'

/** One row of the size table: a published export, whole or only some of its names. */
interface EntryLine {
  /** A key of package.json `exports`. */
  exportPath: string
  /** Only these named imports, as an app would write them; the whole entry when left out. */
  names?: string[]
  /** Peer dependencies the entry expects the app to have (axios): left out of both bundles, like xstate in the first. */
  peers?: string[]
}

const MAIN: EntryLine = { exportPath: '.' }
/** What a typical app imports: the session and one endpoint adapter. */
const TYPICAL: EntryLine = { exportPath: '.', names: ['createTokenSession', 'oauth2TokenEndpoint'] }

/** The size table, one line per entry: a new subpath export is one more line here. */
const ENTRIES: EntryLine[] = [
  MAIN,
  { exportPath: './machine' },
  TYPICAL,
  { exportPath: './axios', peers: ['axios'] },
  { exportPath: './dpop' },
  { exportPath: './react', peers: ['react'] },
  { exportPath: './vue', peers: ['vue'] },
  { exportPath: './svelte' },
  { exportPath: './angular', peers: ['@angular/core', '@angular/common', 'rxjs'] },
]

/** Peers, bundled with their dependencies, for scale. */
const PEER_BUNDLES = [
  {
    name: '@badgateway/oauth2-client (OAuth2Client + OAuth2Fetch)',
    contender: 'oauth2-client',
    source: `export { OAuth2Client, OAuth2Fetch } from '@badgateway/oauth2-client'`,
  },
  {
    name: 'axios + axios-auth-refresh',
    contender: 'axios-auth-refresh',
    source: `export { default as axios } from 'axios'\nexport { createAuthRefresh } from 'axios-auth-refresh'`,
  },
]

/** Targets, min+gz without xstate, in bytes. */
const MAX_MAIN_BYTES = 9000
const MAX_TYPICAL_BYTES = 7000

/** One row of the size table, as measured. */
export interface EntrySize {
  entry: string
  /** The export it is published as. */
  exportPath: string
  withoutXstate: BundleSize
  withXstate: BundleSize
  /** Project folders with code in the bundle. */
  folders: string[]
  /** Minified bytes (before gzip) of the project's own files, largest first. */
  files: { file: string; bytes: number }[]
}

/** What one trial stores in the results file. */
export interface SizeResult {
  entries: EntrySize[]
  treeShaking: {
    /** `import { sessionMachine } from 'token-refresh-machine/machine'`: project files that made it into the bundle. */
    machineEntryFiles: string[]
    /** `import { sessionMachine } from 'token-refresh-machine'`: the same import through the main entry. */
    mainEntryMachineOnlyFiles: string[]
    /** True when neither bundle carries code from adapters/ or session/. */
    ok: boolean
  }
  peers: { name: string; import: string; size: BundleSize }[]
  esbuild: string
}

const packageJson = fileURLToPath(new URL('../../package.json', import.meta.url))

/** The source file behind an export: `./dist/machines/index.js` is built from `machines/index.ts`. */
function sourceOf(exportPath: string): string {
  const { exports } = JSON.parse(readFileSync(packageJson, 'utf8')) as { exports: Record<string, { default?: string }> }
  const target = exports[exportPath]?.default
  if (target === undefined) throw new Error(`size: package.json exports no "${exportPath}"; publish it before measuring it`)
  return target.replace(/^\.\/dist\//, '').replace(/\.js$/, '.ts')
}

const labelOf = (line: EntryLine): string =>
  line.names === undefined ? sourceOf(line.exportPath) : `${sourceOf(line.exportPath)} (${line.names.join(' + ')})`

const importOf = (line: EntryLine): string => {
  const from = `./${sourceOf(line.exportPath).replace(/\.ts$/, '.js')}`
  return line.names === undefined ? `export * from '${from}'` : `export { ${line.names.join(', ')} } from '${from}'`
}

const foldersOf = (files: string[]): string[] =>
  [...new Set(files.map((file) => (file.includes('/') ? file.slice(0, file.indexOf('/')) : '.')))].sort()

type Run = ScenarioRun<Record<string, never>, SizeResult>

/** The one measurement of the run. */
const resultOf = (run: Run): SizeResult | undefined => run.resultsOf(LIBRARY)[0]

const entryOf = (size: SizeResult | undefined, line: EntryLine): EntrySize | undefined =>
  size?.entries.find((entry) => entry.entry === labelOf(line) && entry.exportPath === line.exportPath)

/** The scenario, for the registry. */
export const size = defineScenario<Record<string, never>, SizeResult>({
  name: 'size',
  title: 'Size',
  params: { quick: [{}], full: [{}] },
  needsServers: false,
  once: true,

  async trial() {
    // Loaded here, not at the top: the other scenarios' trials then never carry esbuild in their heap.
    const { bundle, esbuildVersion } = await import('../bundle.js')
    const entries: EntrySize[] = []
    for (const line of ENTRIES) {
      const peers = line.peers ?? []
      const [without, withX] = [await bundle(importOf(line), ['xstate', ...peers]), await bundle(importOf(line), peers)]
      entries.push({
        entry: labelOf(line),
        exportPath: line.exportPath,
        withoutXstate: without.size,
        withXstate: withX.size,
        folders: foldersOf(without.ownFiles),
        files: without.ownFiles.map((file) => ({ file, bytes: without.bytes[file] ?? 0 })).sort((a, b) => b.bytes - a.bytes),
      })
    }
    const machineEntryFiles = (await bundle(`export { sessionMachine } from './machines/index.js'`, ['xstate'])).ownFiles
    const mainEntryMachineOnlyFiles = (await bundle(`export { sessionMachine } from './index.js'`, ['xstate'])).ownFiles
    const leaks = (files: string[]) => files.some((file) => file.startsWith('adapters/') || file.startsWith('session/'))
    const peers: SizeResult['peers'] = []
    // oauth2-client reaches for node's crypto in a dynamic import that only PKCE in Node takes.
    for (const peer of PEER_BUNDLES)
      peers.push({ name: peer.name, import: peer.source, size: (await bundle(peer.source, ['crypto'])).size })
    return {
      entries,
      treeShaking: {
        machineEntryFiles,
        mainEntryMachineOnlyFiles,
        ok: !leaks(machineEntryFiles) && !leaks(mainEntryMachineOnlyFiles),
      },
      peers,
      esbuild: esbuildVersion(),
    }
  },

  tables(run) {
    const result = resultOf(run)
    const main = entryOf(result, MAIN) ?? result?.entries[0]
    const entries = table(
      ['entry', 'export', 'min, without xstate', 'min+gz, without xstate', 'min+gz, with xstate'],
      (result?.entries ?? []).map((entry) => [
        `\`${entry.entry}\``,
        `\`${entry.exportPath}\``,
        kilobytes(entry.withoutXstate.min),
        `**${kilobytes(entry.withoutXstate.gzip)}**`,
        kilobytes(entry.withXstate.gzip),
      ]),
    )
    const files = table(
      [`file (in \`${main?.entry ?? 'n/a'}\`, without xstate)`, 'minified bytes'],
      (main?.files ?? []).slice(0, 10).map((file) => [`\`${file.file}\``, String(file.bytes)]),
    )
    const peers = table(
      ['bundle', 'min', 'min+gz'],
      (result?.peers ?? []).map((peer) => [peer.name, kilobytes(peer.size.min), kilobytes(peer.size.gzip)]),
    )
    return [
      { key: 'entries', caption: 'Entries, minified and gzipped', markdown: entries },
      { key: 'files', caption: 'Largest files of the main entry', markdown: files },
      { key: 'peers', caption: 'Peers, bundled the same way', markdown: peers },
    ]
  },

  targets(run) {
    const result = resultOf(run)
    const check = (key: string, what: string, line: EntryLine, max: number) => {
      const entry = entryOf(result, line)
      const gzip = entry?.withoutXstate.gzip
      return {
        key,
        target: `Size: ${what} ≤ ${max / 1000} kB min+gz without xstate`,
        result: entry === undefined || gzip === undefined ? 'not measured' : `\`${entry.entry}\` ${kilobytes(gzip)}`,
        met: gzip === undefined ? undefined : gzip <= max,
      }
    }
    return [
      check('typical', `typical import (${TYPICAL.names?.join(' + ')})`, TYPICAL, MAX_TYPICAL_BYTES),
      check('main', 'main entry', MAIN, MAX_MAIN_BYTES),
    ]
  },

  figures(run) {
    const result = resultOf(run)
    const [main, typical] = [entryOf(result, MAIN), entryOf(result, TYPICAL)]
    const shaking = result?.treeShaking
    const files = (list: string[] = []) => list.map((file) => `\`${file}\``).join(', ')
    const over = (entry: EntrySize | undefined, max: number) => kilobytes((entry?.withoutXstate.gzip ?? Number.NaN) - max)
    return {
      treeShakingOk: shaking?.ok === true,
      machineEntryFiles: files(shaking?.machineEntryFiles),
      mainEntryMachineOnlyFiles: files(shaking?.mainEntryMachineOnlyFiles),
      leakedFiles: files([...(shaking?.machineEntryFiles ?? []), ...(shaking?.mainEntryMachineOnlyFiles ?? [])]),
      mainMax: `${MAX_MAIN_BYTES / 1000} kB`,
      mainOver: over(main, MAX_MAIN_BYTES),
      mainRatio: number((main?.withoutXstate.gzip ?? Number.NaN) / MAX_MAIN_BYTES),
      typicalMax: `${MAX_TYPICAL_BYTES / 1000} kB`,
      typicalOver: over(typical, MAX_TYPICAL_BYTES),
      typicalRatio: number((typical?.withoutXstate.gzip ?? Number.NaN) / MAX_TYPICAL_BYTES),
      xstateShareOfMain: main === undefined ? 'n/a' : `${Math.round((1 - main.withoutXstate.min / main.withXstate.min) * 100)}%`,
    }
  },

  reasons: ['bytes'],
  slower(run) {
    const result = resultOf(run)
    const main = entryOf(result, MAIN)
    if (main === undefined) return []
    return (result?.peers ?? []).flatMap((peer): Comparison[] =>
      isWorse(main.withXstate.gzip, peer.size.gzip, false)
        ? [
            {
              what: `Size, min+gz with dependencies (vs ${peer.name})`,
              library: spread([main.withXstate.gzip / 1000]),
              peer: spread([peer.size.gzip / 1000]),
              peerName: PEER_BUNDLES.find((p) => p.name === peer.name)?.contender ?? peer.name,
              unit: 'kB',
              why: 'bytes',
            },
          ]
        : [],
    )
  },
})
