/**
 * Scenario 6, size: each entry point bundled by esbuild for the browser,
 * minified, then gzipped, with `xstate` left out and bundled in; a
 * tree-shaking check; the peers bundled the same way for scale.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { build } from 'esbuild'

const root = fileURLToPath(new URL('..', import.meta.url))

export interface BundleSize {
  /** Minified bytes. */
  min: number
  /** Minified, then gzip level 9. */
  gzip: number
}

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

interface Bundle {
  size: BundleSize
  /** Files with code in the output. */
  files: string[]
  /** Minified bytes each file contributes (before gzip). */
  bytes: Record<string, number>
}

async function bundle(contents: string, external: string[]): Promise<Bundle> {
  const result = await build({
    stdin: { contents, resolveDir: root, sourcefile: 'bench-entry.ts', loader: 'ts' },
    bundle: true,
    write: false,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    // The ESM builds, as a bundler resolving `import` would pick; not prebuilt UMD files.
    mainFields: ['module', 'main'],
    external,
    metafile: true,
    legalComments: 'none',
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
  })
  const output = result.outputFiles[0]
  if (output === undefined) throw new Error('esbuild produced no output')
  const bytes: Record<string, number> = {}
  for (const meta of Object.values(result.metafile.outputs)) {
    for (const [file, input] of Object.entries(meta.inputs)) if (input.bytesInOutput > 0) bytes[file] = input.bytesInOutput
  }
  return {
    size: { min: output.contents.byteLength, gzip: gzipSync(output.contents, { level: 9 }).byteLength },
    files: Object.keys(bytes),
    bytes,
  }
}

const ownFiles = (files: string[]): string[] =>
  files.filter((file) => !file.includes('node_modules') && !file.startsWith('<stdin>') && file !== 'bench-entry.ts').sort()

const foldersOf = (files: string[]): string[] =>
  [...new Set(ownFiles(files).map((file) => (file.includes('/') ? file.slice(0, file.indexOf('/')) : '.')))].sort()

export async function measureSize(): Promise<SizeResult> {
  const entries: EntrySize[] = []
  for (const [entry, exportPath, source] of [
    ['index.ts', '.', `export * from './index.js'`],
    ['machines/index.ts', './machine', `export * from './machines/index.js'`],
    // What a typical app imports: the session and one endpoint adapter.
    [
      'index.ts (createTokenSession + oauth2TokenEndpoint)',
      '.',
      `export { createTokenSession, oauth2TokenEndpoint } from './index.js'`,
    ],
  ] as const) {
    const without = await bundle(source, ['xstate'])
    const withX = await bundle(source, [])
    entries.push({
      entry,
      exportPath,
      withoutXstate: without.size,
      withXstate: withX.size,
      folders: foldersOf(without.files),
      files: ownFiles(without.files)
        .map((file) => ({ file, bytes: without.bytes[file] ?? 0 }))
        .sort((a, b) => b.bytes - a.bytes),
    })
  }

  const machineOnly = await bundle(`export { sessionMachine } from './machines/index.js'`, ['xstate'])
  const viaMain = await bundle(`export { sessionMachine } from './index.js'`, ['xstate'])
  const machineEntryFiles = ownFiles(machineOnly.files)
  const mainEntryMachineOnlyFiles = ownFiles(viaMain.files)
  const leaks = (files: string[]) => files.some((file) => file.startsWith('adapters/') || file.startsWith('session/'))

  const peers: SizeResult['peers'] = []
  for (const [name, source] of [
    [
      '@badgateway/oauth2-client (OAuth2Client + OAuth2Fetch)',
      `export { OAuth2Client, OAuth2Fetch } from '@badgateway/oauth2-client'`,
    ],
    [
      'axios + axios-auth-refresh',
      `export { default as axios } from 'axios'\nexport { createAuthRefresh } from 'axios-auth-refresh'`,
    ],
  ] as const) {
    // oauth2-client reaches for node's crypto in a dynamic import that only PKCE in Node takes.
    peers.push({ name, import: source, size: (await bundle(source, ['crypto'])).size })
  }

  const esbuildVersion = (
    JSON.parse(readFileSync(new URL('../node_modules/esbuild/package.json', import.meta.url), 'utf8')) as {
      version: string
    }
  ).version
  return {
    entries,
    treeShaking: {
      machineEntryFiles,
      mainEntryMachineOnlyFiles,
      ok: !leaks(machineEntryFiles) && !leaks(mainEntryMachineOnlyFiles),
    },
    peers,
    esbuild: esbuildVersion,
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(JSON.stringify(await measureSize(), null, 2))
}
