/** Bundles a snippet of imports the way a browser app's build would, and measures the result. */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { build } from 'esbuild'

const root = fileURLToPath(new URL('..', import.meta.url))

/** A bundle's size, as bundle sizes are quoted. */
export interface BundleSize {
  /** Minified bytes. */
  min: number
  /** Minified, then gzip level 9. */
  gzip: number
}

/** One bundle, measured. */
export interface Bundle {
  size: BundleSize
  /** The project's own files with code in the output (no dependencies), sorted. */
  ownFiles: string[]
  /** Minified bytes each input contributes (before gzip). */
  bytes: Record<string, number>
}

/** `contents` is a module resolved from the project root; `external` packages stay out of the bundle. */
export async function bundle(contents: string, external: string[]): Promise<Bundle> {
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
    ownFiles: Object.keys(bytes)
      .filter((file) => !file.includes('node_modules') && !file.startsWith('<stdin>') && file !== 'bench-entry.ts')
      .sort(),
    bytes,
  }
}

/** The installed esbuild, recorded next to the sizes it produced. */
export const esbuildVersion = (): string =>
  (JSON.parse(readFileSync(`${root}node_modules/esbuild/package.json`, 'utf8')) as { version: string }).version
