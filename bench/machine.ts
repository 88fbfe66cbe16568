/** What the results file records about where and with what a run happened. */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { cpus, loadavg, platform, release, totalmem } from 'node:os'
import { fileURLToPath } from 'node:url'
import type { MachineInfo } from './results.js'

const root = fileURLToPath(new URL('..', import.meta.url))

/** The packages whose exact versions a run records. */
const RECORDED = ['xstate', '@badgateway/oauth2-client', 'axios', 'axios-auth-refresh', 'esbuild', 'tsx']

/** The 1-minute load average now. */
export const loadNow = (): number => loadavg()[0] ?? 0

/** This machine, with the load average at the run's start and now. */
export function machineInfo(loadAtStart: number): MachineInfo {
  const cpu = cpus()
  return {
    cpu: cpu[0]?.model.trim() ?? 'unknown',
    cores: cpu.length,
    memoryGiB: Math.round(totalmem() / 1024 ** 3),
    node: process.version,
    platform: platform(),
    release: release(),
    loadAverage: { start: loadAtStart, end: loadNow() },
  }
}

function versionOf(name: string): string {
  try {
    return (JSON.parse(readFileSync(`${root}node_modules/${name}/package.json`, 'utf8')) as { version: string }).version
  } catch {
    return 'missing'
  }
}

/** Exact installed versions of the contenders and tools. */
export const versions = (): Record<string, string> => Object.fromEntries(RECORDED.map((name) => [name, versionOf(name)]))

/** `git describe --always --dirty` of the library's working tree. */
export function gitDescribe(): string {
  try {
    return execFileSync('git', ['describe', '--always', '--dirty'], { cwd: root, encoding: 'utf8' }).trim()
  } catch {
    return 'unknown'
  }
}
