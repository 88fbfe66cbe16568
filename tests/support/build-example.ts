import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export type ExampleName = 'react' | 'vue' | 'svelte' | 'angular'

const root = fileURLToPath(new URL('../../', import.meta.url))

/** What each example is built with: its framework's usual toolchain, run as the CLI a user would run. */
function buildCommand(name: ExampleName, outDir: string): { args: string[]; env: Record<string, string> } {
  if (name === 'angular') {
    return { args: [`${root}examples/frameworks/angular-build.ts`, outDir], env: {} }
  }
  const dir = `${root}examples/frameworks/${name}`
  return {
    args: [
      `${root}node_modules/vite/bin/vite.js`,
      'build',
      dir,
      '--config',
      `${dir}/vite.config.ts`,
      '--outDir',
      outDir,
      '--emptyOutDir',
      '--logLevel',
      'warn',
    ],
    // React's development build, so that StrictMode double-invokes renders and effects as it does in `vite dev`.
    env: name === 'react' ? { NODE_ENV: 'development' } : {},
  }
}

/** Builds an example into `outDir`; resolves how long it took and the folder to serve, rejects with the toolchain's output. */
export async function buildExample(name: ExampleName, outDir: string): Promise<{ ms: number; page: string }> {
  const { args, env } = buildCommand(name, outDir)
  const started = performance.now()
  const execArgv = name === 'angular' ? ['--import', 'tsx'] : []
  const child = spawn(process.execPath, [...execArgv, ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject)
    child.once('close', resolve)
  })
  if (code !== 0) throw new Error(`building the ${name} example failed (exit ${code}):\n${output}`)
  // Angular's builder puts the browser's files one level down, beside its server output.
  return { ms: performance.now() - started, page: name === 'angular' ? join(outDir, 'browser') : outDir }
}
