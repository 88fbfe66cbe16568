/** Runs one trial in a fresh Node process and reads its answer. */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { RESULT_PREFIX, type TrialSpec } from './trial-spec.js'

const root = fileURLToPath(new URL('..', import.meta.url))

/** Kills a trial this long after its own limit should have stopped it. */
const GRACE_MS = 10_000

/** Resolves with the trial's result; rejects with the tail of its stderr if it failed or printed none. */
export function spawnTrial(spec: TrialSpec): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', 'bench/trial.ts', JSON.stringify(spec)], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    // Peers log warnings on failed refreshes; keep only the tail for error reports.
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)))
    const timer = setTimeout(() => child.kill('SIGKILL'), spec.timeLimitMs + GRACE_MS)
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      const line = stdout.split('\n').find((l) => l.startsWith(RESULT_PREFIX))
      if (code === 0 && line !== undefined) resolve(JSON.parse(line.slice(RESULT_PREFIX.length)) as unknown)
      else reject(new Error(`exit ${code ?? signal}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`))
    })
  })
}
