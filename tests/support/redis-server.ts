import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { connect, createServer, type AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { promisify } from 'node:util'

export interface RedisServer {
  /** `redis://127.0.0.1:PORT` */
  url: string
  port: number
  stop(): Promise<void>
}

const run = (file: string, args: string[], options: { env?: NodeJS.ProcessEnv } = {}) =>
  promisify(execFile)(file, args, { ...options, maxBuffer: 64 * 1024 * 1024 })

function commandExists(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0
}

/**
 * Makes sure a system package's program is there. As root on Debian, installs
 * the package with apt-get; anywhere else throws an error that says what to
 * run. Never skips: a coordination suite that silently did not run proves nothing.
 */
export async function ensureSystemProgram(program: string, aptPackage: string): Promise<void> {
  if (commandExists(program)) return
  const command = `apt-get update && apt-get install -y ${aptPackage}`
  if (process.getuid?.() !== 0 || !commandExists('apt-get')) {
    throw new Error(`${program} is not installed. Install it first: sudo sh -c '${command}'`)
  }
  // Lock::Timeout and the retries: two test workers may install at once (redis-server and chromium), and
  // `apt-get update` does not always wait for the other's lock.
  const wait = ['-o', 'DPkg::Lock::Timeout=300']
  let failure: unknown
  for (let attempt = 0; attempt < 3 && !commandExists(program); attempt++) {
    try {
      await run('apt-get', [...wait, 'update'])
      await run('apt-get', [...wait, 'install', '-y', '--no-install-recommends', aptPackage], {
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      })
    } catch (error) {
      failure = error
      await sleep(5_000)
    }
  }
  if (!commandExists(program)) throw new Error(`Installing ${aptPackage} failed; run: ${command}`, { cause: failure })
}

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** True once the server answers PING with PONG. */
function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.write('PING\r\n'))
    socket.setTimeout(500, () => socket.destroy())
    socket.once('data', (data) => {
      resolve(data.toString().startsWith('+PONG'))
      socket.destroy()
    })
    socket.once('close', () => resolve(false))
    socket.once('error', () => resolve(false))
  })
}

async function startOnce(port: number): Promise<ChildProcess | undefined> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'],
    { stdio: 'ignore' },
  )
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  let gone = false
  void exited.then(() => (gone = true))
  for (let i = 0; i < 100 && !gone; i++) {
    if (await answersPing(port)) return child
    await sleep(50)
  }
  child.kill('SIGKILL')
  return undefined // The port was taken in the meantime, or the server would not start.
}

/**
 * A real `redis-server` on 127.0.0.1 and a free port, with no persistence,
 * started by the test and stopped after it. Installs Redis first if needed
 * (see `ensureSystemProgram`).
 */
export async function startRedisServer(): Promise<RedisServer> {
  await ensureSystemProgram('redis-server', 'redis-server')
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort()
    const child = await startOnce(port)
    if (!child) continue
    return {
      url: `redis://127.0.0.1:${port}`,
      port,
      stop: async () => {
        if (child.exitCode !== null || child.signalCode !== null) return
        const exited = new Promise((resolve) => child.once('exit', resolve))
        child.kill('SIGTERM')
        await exited
      },
    }
  }
  throw new Error('redis-server did not start on 127.0.0.1 in 3 attempts; run `redis-server --port 6390` to see why.')
}
