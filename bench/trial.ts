/**
 * One trial: one scenario, one contender, in a process of its own (started by
 * `run.ts` with `--expose-gc`). Prints one `BENCH_RESULT {json}` line and exits.
 * Every loop here is bounded by a count and by the trial's time limit.
 */
import { Session } from 'node:inspector/promises'
import { performance } from 'node:perf_hooks'
import { createContender, type Contender, type ContenderName, type ContenderSetup } from './contenders.js'
import { controlClient, type OAuthTokenResponse, type ServerUrls } from './servers.js'
import type {
  ActorTiming,
  ChurnResult,
  CpuBreakdown,
  ChurnSpec,
  FailureResult,
  FailureSpec,
  FailureWave,
  LoopbackPhase,
  MemoryResult,
  MemorySpec,
  OverheadInprocessResult,
  OverheadInprocessSpec,
  OverheadLoopbackResult,
  OverheadLoopbackSpec,
  StormResult,
  StormSpec,
  TrialResult,
  TrialSpec,
} from './spec.js'
import { RESULT_PREFIX } from './spec.js'
import { quantile } from './stats.js'

const spec = JSON.parse(process.argv[2] ?? '{}') as TrialSpec

setTimeout(() => {
  process.stderr.write(`trial ${spec.scenario}/${spec.contender} hit its ${spec.timeLimitMs} ms limit\n`)
  process.exit(3)
}, spec.timeLimitMs).unref()

const cpuMicros = (): number => {
  const { user, system } = process.cpuUsage()
  return user + system
}

/** Two full collections with a turn of the event loop between, so finalizers and weak callbacks have run. */
async function collect(): Promise<void> {
  const gc = globalThis.gc
  if (gc === undefined) throw new Error('run trials with --expose-gc')
  gc()
  await new Promise((resolve) => setImmediate(resolve))
  gc()
}

const heapKb = (): number => process.memoryUsage().heapUsed / 1024

function needUrls(): ServerUrls {
  if (spec.urls === undefined) throw new Error(`${spec.scenario} needs the servers' URLs`)
  return spec.urls
}

async function signedIn(urls: ServerUrls, tokens: OAuthTokenResponse): Promise<Contender> {
  const setup: ContenderSetup = { tokenUrl: urls.token, resourceOrigin: urls.resourceOrigin, tokens, readBody: true }
  return createContender(spec.contender, setup)
}

/**
 * `streams` loops share `total` requests; each loop sends its next request
 * once its previous one settled. Records latencies (µs) when asked.
 */
async function runStreams(
  contender: Contender,
  url: string,
  streams: number,
  total: number,
  latencies?: Float64Array,
): Promise<number> {
  let next = 0
  let failed = 0
  const loop = async () => {
    for (let i = next++; i < total; i = next++) {
      const started = performance.now()
      const outcome = await contender.get(url)
      if (latencies) latencies[i] = (performance.now() - started) * 1000
      if (!outcome.ok) failed++
    }
  }
  await Promise.all(Array.from({ length: streams }, loop))
  return failed
}

async function measurePhase(contender: Contender, url: string, streams: number, total: number): Promise<LoopbackPhase> {
  const latencies = new Float64Array(total)
  await collect()
  const cpu = cpuMicros()
  const started = performance.now()
  const failed = await runStreams(contender, url, streams, total, latencies)
  const elapsedMs = performance.now() - started
  return {
    requests: total,
    failed,
    p50Us: quantile(latencies, 0.5),
    p99Us: quantile(latencies, 0.99),
    rps: total / (elapsedMs / 1000),
    cpuUsPerReq: (cpuMicros() - cpu) / total,
  }
}

/**
 * For this library only: `requests` more sequential requests with the actor's
 * `send` timed, after the measured rounds (the timing wrapper costs a little).
 * Undefined for the other contenders or if the session stops sending through
 * `actor.send`.
 */
async function timeActor(contender: Contender, url: string, requests: number): Promise<ActorTiming | undefined> {
  const actor = contender.actor as { send?: (event: unknown) => void } | undefined
  const send = actor?.send
  if (actor === undefined || typeof send !== 'function') return undefined
  const own = Object.prototype.hasOwnProperty.call(actor, 'send')
  let spentMs = 0
  let events = 0
  actor.send = (event: unknown) => {
    const started = performance.now()
    try {
      send.call(actor, event)
    } finally {
      spentMs += performance.now() - started
      events++
    }
  }
  try {
    for (let i = 0; i < requests; i++) await contender.get(url)
  } finally {
    if (own) actor.send = send
    else delete actor.send
  }
  return events === 0 ? undefined : { usPerRequest: (spentMs * 1000) / requests, eventsPerRequest: events / requests }
}

async function overheadLoopback(params: OverheadLoopbackSpec): Promise<OverheadLoopbackResult> {
  const urls = needUrls()
  const control = controlClient(urls)
  await control.reset({ accessTtl: 3600 })
  const contender = await signedIn(urls, await control.issue())
  await runStreams(contender, urls.resource, params.streams, params.warmup)
  const sequential = await measurePhase(contender, urls.resource, 1, params.sequential)
  const concurrent = await measurePhase(contender, urls.resource, params.streams, params.concurrent)
  const actor = await timeActor(contender, urls.resource, params.sequential)
  return { sequential, concurrent, ...(actor === undefined ? {} : { actor }) }
}

/** A `fetch` that answers at once with prebuilt Responses: what is left is the wrapper's own cost. */
function installStub(options: { checkToken: boolean; initialToken: string }): { refreshes: () => number; revoke(): void } {
  const ok = new Response(null, { status: 200 })
  const unauthorized = new Response(null, {
    status: 401,
    headers: { 'www-authenticate': 'Bearer realm="bench", error="invalid_token"' },
  })
  let valid = `Bearer ${options.initialToken}`
  let serial = 0
  const header = (input: RequestInfo | URL, init: RequestInit | undefined, name: string): string | null =>
    input instanceof Request ? input.headers.get(name) : new Headers(init?.headers).get(name)

  globalThis.fetch = (input, init) => {
    if (!options.checkToken) return Promise.resolve(ok)
    const method = input instanceof Request ? input.method : (init?.method ?? 'GET')
    if (method === 'POST') {
      // The token endpoint: both answer styles, no rotation checks (this stub is about memory, not protocol).
      serial++
      const accessToken = `at.${serial}`
      valid = `Bearer ${accessToken}`
      const form = header(input, init, 'content-type')?.startsWith('application/x-www-form-urlencoded') ?? false
      const body = form
        ? { access_token: accessToken, token_type: 'Bearer', expires_in: 3600, refresh_token: `rt.${serial}` }
        : { accessToken, refreshToken: `rt.${serial}`, expiresIn: 3600 }
      return Promise.resolve(new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } }))
    }
    return Promise.resolve(header(input, init, 'authorization') === valid ? ok : unauthorized)
  }
  return {
    refreshes: () => serial,
    revoke() {
      valid = 'revoked'
    },
  }
}

const stubSetup = (tokens: OAuthTokenResponse): ContenderSetup => ({
  tokenUrl: 'http://127.0.0.1:9/token',
  resourceOrigin: 'http://127.0.0.1:9',
  tokens,
  readBody: false,
})
const stubTokens: OAuthTokenResponse = {
  access_token: 'at.0',
  token_type: 'Bearer',
  expires_in: 3600,
  refresh_token: 'rt.0',
}
const STUB_URL = 'http://127.0.0.1:9/resource'

const projectRoot = new URL('..', import.meta.url).href

/** Where a sampled function lives, for the CPU breakdown. */
function categoryOf(url: string, functionName: string): keyof CpuBreakdown | undefined {
  if (functionName === '(garbage collector)') return 'gc'
  if (url.includes('/node_modules/xstate/')) return 'xstate'
  if (url.includes('/node_modules/axios') || url.includes('/node_modules/@badgateway/') || url.endsWith('/bench/seed.ts'))
    return 'wrapper'
  if (url.startsWith(projectRoot)) {
    const path = url.slice(projectRoot.length)
    if (path.startsWith('bench/') || path.startsWith('node_modules/')) return 'harness'
    return 'wrapper'
  }
  if (url.startsWith('node:') || url === '' || !url.includes('/')) return functionName.startsWith('(') ? undefined : 'runtime'
  return 'harness'
}

/**
 * Runs `work` under the V8 sampling profiler and splits the main thread's
 * CPU by where it was spent: the wrapper's own code, XState, Node's runtime
 * (fetch, URL, Headers, streams, promises), the garbage collector, and the
 * benchmark harness, in milliseconds. Idle and unattributed samples are left out.
 */
async function profileWork(work: () => Promise<unknown>): Promise<CpuBreakdown> {
  const session = new Session()
  session.connect()
  await session.post('Profiler.enable')
  await session.post('Profiler.setSamplingInterval', { interval: 50 })
  await session.post('Profiler.start')
  await work()
  const { profile } = await session.post('Profiler.stop')
  session.disconnect()
  const byNode = new Map(profile.nodes.map((node) => [node.id, node]))
  const time: CpuBreakdown = { wrapper: 0, xstate: 0, runtime: 0, gc: 0, harness: 0 }
  const deltas = profile.timeDeltas ?? []
  profile.samples?.forEach((id, index) => {
    const frame = byNode.get(id)?.callFrame
    const category = frame === undefined ? undefined : categoryOf(frame.url, frame.functionName)
    if (category !== undefined) time[category] += (deltas[index] ?? 0) / 1000
  })
  return time
}

function shares(time: CpuBreakdown): CpuBreakdown {
  const keys = Object.keys(time) as (keyof CpuBreakdown)[]
  const total = keys.reduce((sum, key) => sum + time[key], 0)
  const out = { ...time }
  for (const key of keys) out[key] = total === 0 ? 0 : time[key] / total
  return out
}

async function overheadInprocess(params: OverheadInprocessSpec): Promise<OverheadInprocessResult> {
  installStub({ checkToken: false, initialToken: stubTokens.access_token })
  const contender = await createContender(spec.contender, stubSetup(stubTokens))
  let failed = 0
  for (let i = 0; i < params.warmup; i++) if (!(await contender.get(STUB_URL)).ok) failed++
  const cpuPerRequest: number[] = []
  const wallPerRequest: number[] = []
  for (let round = 0; round < params.rounds; round++) {
    await collect()
    const cpu = cpuMicros()
    const started = performance.now()
    for (let i = 0; i < params.perRound; i++) if (!(await contender.get(STUB_URL)).ok) failed++
    wallPerRequest.push(((performance.now() - started) * 1000) / params.perRound)
    cpuPerRequest.push((cpuMicros() - cpu) / params.perRound)
  }
  const actor = await timeActor(contender, STUB_URL, params.perRound)
  return {
    requests: params.rounds * params.perRound,
    failed,
    cpuUsPerReq: quantile(cpuPerRequest, 0.5),
    wallUsPerReq: quantile(wallPerRequest, 0.5),
    ...(actor === undefined ? {} : { actor }),
    // After the timed rounds, so the profiler's own cost never enters the numbers above.
    cpuShare: shares(
      await profileWork(async () => {
        for (let i = 0; i < params.perRound; i++) await contender.get(STUB_URL)
      }),
    ),
  }
}

async function storm(params: StormSpec): Promise<StormResult> {
  const urls = needUrls()
  const control = controlClient(urls)
  await control.reset({ accessTtl: 3600 })
  const contender = await signedIn(urls, await control.issue())
  const fire = () => Promise.all(Array.from({ length: params.k }, () => contender.get(urls.resource)))
  // The same burst with a valid token first: every contender meets the storm with its connections open.
  await fire()
  await control.resetStats()
  await collect()
  const baseline = heapKb()
  let peak = baseline
  const sample = () => {
    peak = Math.max(peak, heapKb())
  }
  // The raw floor keeps its valid token: it is the time the same burst takes without any refresh.
  if (spec.contender !== 'raw') await control.revokeAccess()
  const sampler = setInterval(sample, 1)
  let settled = 0
  let ok = 0
  const cpu = cpuMicros()
  const started = performance.now()
  let last = started
  const all = Promise.all(
    Array.from({ length: params.k }, () =>
      contender.get(urls.resource).then((outcome) => {
        last = performance.now()
        settled++
        if (outcome.ok) ok++
        if (settled % 16 === 0) sample()
      }),
    ),
  )
  let timer: NodeJS.Timeout | undefined
  await Promise.race([all, new Promise((resolve) => (timer = setTimeout(resolve, 60_000)))])
  clearTimeout(timer)
  const cpuMs = (cpuMicros() - cpu) / 1000
  clearInterval(sampler)
  sample()
  const stats = await control.stats()
  let profile: CpuBreakdown | undefined
  if (params.profile) {
    // The same storm once more under the profiler, after the measured one, to see where the client's time goes.
    if (spec.contender !== 'raw') await control.revokeAccess()
    profile = await profileWork(fire)
  }
  return {
    ...(profile === undefined ? {} : { profileMs: profile }),
    k: params.k,
    ok,
    failed: settled - ok,
    unsettled: params.k - settled,
    timeMs: last - started,
    cpuMs,
    peakHeapKb: peak - baseline,
    refreshCalls: stats.refreshCalls,
    reuseDetected: stats.reuseDetected,
    resource401: stats.resource401,
    newConnections: stats.resourceConnections,
  }
}

async function churn(params: ChurnSpec): Promise<ChurnResult> {
  const urls = needUrls()
  const control = controlClient(urls)
  await control.reset({ accessTtl: params.accessTtl })
  const contender = await signedIn(urls, await control.issue())
  let ok = 0
  let failed = 0
  let rejected = 0
  const started = performance.now()
  const end = started + params.durationMs
  const loop = async () => {
    for (let i = 0; i < params.maxRequestsPerStream && performance.now() < end; i++) {
      const outcome = await contender.get(urls.resource)
      if (outcome.ok) ok++
      else {
        failed++
        if (outcome.rejected) rejected++
      }
    }
  }
  await Promise.all(Array.from({ length: params.streams }, loop))
  const durationMs = performance.now() - started
  const stats = await control.stats()
  return {
    durationMs,
    ok,
    failed,
    rejected,
    refreshCalls: stats.refreshCalls,
    resource401: stats.resource401,
    reuseDetected: stats.reuseDetected,
  }
}

async function failure(params: FailureSpec): Promise<FailureResult> {
  const urls = needUrls()
  const control = controlClient(urls)
  await control.reset({ accessTtl: 3600 })
  const contender = await signedIn(urls, await control.issue())
  await Promise.all(Array.from({ length: params.wave }, () => contender.get(urls.resource)))
  await control.configure({ refreshMode: 'invalid_grant', refreshDelayMs: params.refreshDelayMs })
  await control.revokeAccess()
  await control.resetStats()
  const waves: FailureWave[] = []
  let refreshesBefore = 0
  for (let w = 0; w < 2; w++) {
    const times: number[] = []
    let ok = 0
    let rejected = 0
    let http401 = 0
    const started = performance.now()
    const all = Promise.all(
      Array.from({ length: params.wave }, () =>
        contender.get(urls.resource).then((outcome) => {
          times.push(performance.now() - started)
          if (outcome.ok) ok++
          else if (outcome.rejected) rejected++
          else if (outcome.status === 401) http401++
        }),
      ),
    )
    let timer: NodeJS.Timeout | undefined
    await Promise.race([all, new Promise((resolve) => (timer = setTimeout(resolve, params.waveTimeoutMs)))])
    clearTimeout(timer)
    const { refreshCalls } = await control.stats()
    waves.push({
      requests: params.wave,
      settled: times.length,
      ok,
      rejected,
      http401,
      p50Ms: quantile(times, 0.5),
      // Unsettled requests count as the wave's timeout: a lower bound.
      maxMs: times.length === params.wave ? Math.max(...times) : params.waveTimeoutMs,
      refreshCalls: refreshCalls - refreshesBefore,
    })
    refreshesBefore = refreshCalls
  }
  return { refreshDelayMs: params.refreshDelayMs, waves, refreshCalls: refreshesBefore }
}

async function memory(params: MemorySpec): Promise<MemoryResult> {
  const stub = installStub({ checkToken: true, initialToken: stubTokens.access_token })
  const contender = await createContender(spec.contender, stubSetup(stubTokens))
  const heap: Record<string, number> = {}
  let sent = 0
  let failed = 0
  for (const checkpoint of params.checkpoints) {
    for (; sent < checkpoint; sent++) {
      // The floor cannot refresh, so its token is never taken away.
      if (spec.contender !== 'raw' && sent > 0 && sent % params.revokeEvery === 0) stub.revoke()
      if (!(await contender.get(STUB_URL)).ok) failed++
    }
    await collect()
    heap[String(checkpoint)] = heapKb()
  }
  const first = heap[String(params.checkpoints[0])] ?? Number.NaN
  const last = heap[String(params.checkpoints[params.checkpoints.length - 1])] ?? Number.NaN
  return { heapKb: heap, growthKb: last - first, requests: sent, failed, refreshes: stub.refreshes() }
}

async function run(): Promise<TrialResult> {
  switch (spec.scenario) {
    case 'overhead-loopback':
      return overheadLoopback(spec)
    case 'overhead-inprocess':
      return overheadInprocess(spec)
    case 'storm':
      return storm(spec)
    case 'churn':
      return churn(spec)
    case 'failure':
      return failure(spec)
    case 'memory':
      return memory(spec)
  }
}

const contender: ContenderName = spec.contender
try {
  const result = await run()
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`)
  process.exit(0)
} catch (error) {
  process.stderr.write(`trial ${spec.scenario}/${contender} failed: ${error instanceof Error ? error.stack : String(error)}\n`)
  process.exit(1)
}
