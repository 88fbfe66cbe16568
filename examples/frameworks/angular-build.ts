/**
 * Builds the Angular example with Angular's application builder
 * (`@angular/build:application`, what `ng build` runs), called directly so
 * that no Angular CLI workspace is needed. Type errors in the app, in its
 * templates or in the library it imports fail the build.
 *
 * Usage: tsx examples/frameworks/angular-build.ts OUT_DIR (the page lands in OUT_DIR/browser)
 */
import { buildApplication, type ApplicationBuilderOptions } from '@angular/build'
import { fileURLToPath } from 'node:url'
import { resolve } from 'node:path'

const root = fileURLToPath(new URL('./angular/', import.meta.url))
const outputPath = resolve(process.argv[2] ?? `${root}dist`)

// What an Architect builder context gives the builder, and all this builder reads of it.
const teardowns: Array<() => unknown> = []
const context = {
  workspaceRoot: root,
  target: { project: 'example', target: 'build' },
  logger: { info: console.log, warn: console.warn, error: console.error, debug: () => {} },
  getProjectMetadata: async () => ({ root: '', sourceRoot: 'src', cli: { cache: { enabled: true, environment: 'all' } } }),
  addTeardown: (teardown: () => unknown) => void teardowns.push(teardown),
}

// Called directly, the builder applies no schema defaults: every option that matters is here.
const options: ApplicationBuilderOptions = {
  browser: 'src/main.ts',
  index: 'src/index.html',
  tsConfig: 'tsconfig.json',
  outputPath,
  polyfills: [], // zoneless: no zone.js
  styles: ['../shared/example.css'],
  // The inspector's serializer is CommonJS; it is only loaded with ?inspect.
  allowedCommonJsDependencies: ['fast-safe-stringify'],
  aot: true,
  optimization: true,
  sourceMap: true,
  deleteOutputPath: true,
  progress: false,
  watch: false,
  ssr: false,
}

let ok = true
try {
  for await (const result of buildApplication(options, context as never)) ok &&= result.success
} finally {
  for (const teardown of teardowns) await teardown()
}
process.exitCode = ok ? 0 : 1
