/** Starts the resource and token servers, each in a process of its own (`server-main.ts`). */
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import type { ServerUrls } from './servers.js'

const root = fileURLToPath(new URL('..', import.meta.url))

/** Starts one server process and reads the URLs it prints. */
function startServer<T>(args: string[]): Promise<{ urls: T; stop(): void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/server-main.ts', '--watch-stdin', ...args], {
    cwd: root,
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('a server did not start within 20 s')), 20_000)
    child.once('exit', (code) => reject(new Error(`a server exited early (${code})`)))
    createInterface({ input: child.stdout }).once('line', (line) => {
      clearTimeout(timer)
      resolve({
        urls: JSON.parse(line) as T,
        stop: () => {
          child.stdin.end()
          child.kill('SIGTERM')
        },
      })
    })
  })
}

/** The resource server, then the token server that tells it about revoked grants. */
export async function startServers(): Promise<{ urls: ServerUrls; stop(): void }> {
  const resource = await startServer<{ resource: string; origin: string; control: string }>(['--role', 'resource'])
  try {
    const token = await startServer<{ token: string; control: string }>([
      '--role',
      'token',
      '--resource-control',
      resource.urls.control,
    ])
    return {
      urls: {
        token: token.urls.token,
        resource: resource.urls.resource,
        resourceOrigin: resource.urls.origin,
        tokenControl: token.urls.control,
        resourceControl: resource.urls.control,
      },
      stop: () => {
        token.stop()
        resource.stop()
      },
    }
  } catch (error) {
    resource.stop()
    throw error
  }
}
