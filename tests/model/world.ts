import type { ServerResponse } from 'node:http'
import { oauth2TokenEndpoint } from '../../adapters/oauth2-token-endpoint.js'
import { callbackNavigation } from '../../adapters/navigation.js'
import { LockTimeoutError } from '../../machines/errors.js'
import type { Broadcast, BroadcastMessage, Lock, StoredTokens, TokenStorage } from '../../machines/ports.js'
import { createTokenSession, type TokenSession, type TokenSessionOptions } from '../../session/create-token-session.js'
import { createHttpTestServer, readBody, type HttpTestServer } from '../support/http-test-server.js'
import { manualClock, manualEnvironment } from '../support/manual-clock.js'
import { modelMaxAttempts } from './session.model.js'

/** A resource request that reached the server and waits for the test to answer it. */
export interface Arrival {
  request: number
  accessToken: string
  answered: boolean
  answer(status: 200 | 401): void
}

/** A refresh grant that reached the token endpoint and waits for the test to answer it. */
export interface RefreshArrival {
  answered: boolean
  /** `expiresIn` is the lifetime of the token set a success hands out. */
  answer(outcome: 'success' | 'server_error' | 'invalid_grant', expiresIn?: number): void
}

/**
 * The real world the model-based suite drives: one HTTP server on 127.0.0.1
 * serving both the API and the token endpoint, where every response is held
 * until the test says what it is, and a storage whose load resolves on cue.
 * Nothing answers by itself, so the session only moves when the model says so.
 */
export interface World {
  server: HttpTestServer
  arrivals: Arrival[]
  refreshes: RefreshArrival[]
  navigations: number
  /** The simulated clock of the current session: frozen at 0; timers fire only when the test fires them. */
  clock: ReturnType<typeof manualClock>
  environment: ReturnType<typeof manualEnvironment>
  /**
   * The coordination lock of the current session: a refresh's acquisition
   * (made in `refreshing.locking`) waits for the test to grant or refuse it;
   * a sign-in's or sign-out's is granted at once.
   */
  lock: Lock & { pending: Array<{ grant(): void; refuse(): void }> }
  /** The broadcast of the current session: `deliver` plays a sibling tab or process speaking. */
  broadcast: Broadcast & { deliver(message: BroadcastMessage): void; published: BroadcastMessage[] }
  /** What the shared storage holds: a sibling writes it before it speaks. */
  stored: { record: StoredTokens | null }
  /** The scope of the world's sessions. */
  scope: string
  /** Sets up a fresh session; its storage load stays pending until `finishLoad`. */
  createSession(options?: Partial<TokenSessionOptions>): TokenSession
  finishLoad(stored: StoredTokens | null): void
  /** A token response as a login would give it. */
  issue(withRefreshToken: boolean, expiresIn: number): Record<string, unknown>
  /** How many token sets have been issued; the newest access token is `at-<count>`. */
  issuedCount(): number
  close(): Promise<void>
}

export async function createWorld(): Promise<World> {
  let issued = 0
  let resolveLoad: ((value: StoredTokens | null) => void) | undefined

  const reply = (response: ServerResponse, status: number, body: unknown) => {
    response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
  }

  const server = await createHttpTestServer(async (request, response) => {
    if (request.url === '/token') {
      await readBody(request)
      await new Promise<void>((resolve) => {
        const arrival: RefreshArrival = {
          answered: false,
          answer(outcome, expiresIn = 3600) {
            arrival.answered = true
            if (outcome === 'success') reply(response, 200, world.issue(true, expiresIn))
            else if (outcome === 'server_error') reply(response, 503, { error: 'temporarily_unavailable' })
            else reply(response, 400, { error: 'invalid_grant' })
            resolve()
          },
        }
        world.refreshes.push(arrival)
      })
      return
    }
    const requestNumber = Number(request.url?.split('/')[2])
    await new Promise<void>((resolve) => {
      const arrival: Arrival = {
        request: requestNumber,
        accessToken: request.headers.authorization?.slice('Bearer '.length) ?? '',
        answered: false,
        answer(status) {
          arrival.answered = true
          if (status === 401) response.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"' }).end()
          else response.writeHead(200).end('ok')
          resolve()
        },
      }
      world.arrivals.push(arrival)
    })
  })

  let current: TokenSession | undefined
  const manualLock = (): World['lock'] => {
    const pending: World['lock']['pending'] = []
    return {
      pending,
      withLock: (_name, task) => {
        if (current?.actor.getSnapshot().matches({ refreshing: 'locking' }) !== true) {
          return task(new AbortController().signal)
        }
        return new Promise((resolve, reject) => {
          pending.push({
            grant: () => void task(new AbortController().signal).then(resolve, reject),
            refuse: () => reject(new LockTimeoutError('the test refused the lock')),
          })
        })
      },
    }
  }

  const manualBroadcast = (): World['broadcast'] => {
    const listeners = new Set<(message: BroadcastMessage) => void>()
    return {
      published: [],
      publish(message) {
        this.published.push(message)
      },
      subscribe(listener) {
        listeners.add(listener)
        return () => listeners.delete(listener)
      },
      close: () => undefined,
      deliver: (message) => listeners.forEach((listener) => listener(message)),
    }
  }

  const heldStorage = (stored: World['stored']): TokenStorage => {
    let first = true
    return {
      // Only the startup load is held (the model's storage.loaded / storage.empty);
      // the re-reads a refresh makes under its lock see what is stored.
      load: () => {
        if (!first) return stored.record
        first = false
        return new Promise<StoredTokens | null>((resolve) => {
          resolveLoad = (record) => {
            stored.record = record
            resolve(record)
          }
        })
      },
      save: (tokens) => {
        stored.record = tokens
      },
      clear: () => {
        stored.record = null
      },
    }
  }

  const world: World = {
    server,
    arrivals: [],
    refreshes: [],
    navigations: 0,
    clock: manualClock(),
    environment: manualEnvironment(),
    broadcast: manualBroadcast(),
    lock: manualLock(),
    stored: { record: null },
    scope: 'model',
    createSession(options = {}) {
      world.arrivals.length = 0
      world.refreshes.length = 0
      world.navigations = 0
      world.clock = manualClock()
      world.environment = manualEnvironment()
      world.broadcast = manualBroadcast()
      world.lock = manualLock()
      world.stored = { record: null }
      current?.dispose()
      current = createTokenSession({
        tokenEndpoint: oauth2TokenEndpoint({ url: server.url('/token'), clientId: 'model' }),
        allowedOrigins: [server.origin],
        storage: heldStorage(world.stored),
        navigation: callbackNavigation(() => world.navigations++),
        clock: world.clock,
        environment: world.environment,
        coordination: { broadcast: world.broadcast, lock: world.lock, name: world.scope },
        random: () => 0.5,
        // minInterval 0: a token born expired is due at once, so the model's two lifetimes stay two numbers.
        refresh: { minInterval: 0, maxAttempts: modelMaxAttempts },
        ...options,
      })
      return current
    },
    finishLoad(stored) {
      resolveLoad?.(stored)
    },
    issue(withRefreshToken, expiresIn) {
      issued++
      const tokens: Record<string, unknown> = { access_token: `at-${issued}`, token_type: 'Bearer', expires_in: expiresIn }
      if (withRefreshToken) tokens.refresh_token = `rt-${issued}`
      return tokens
    },
    issuedCount: () => issued,
    async close() {
      current?.dispose()
      for (const arrival of world.arrivals) if (!arrival.answered) arrival.answer(200)
      for (const refresh of world.refreshes) if (!refresh.answered) refresh.answer('server_error')
      await server.close()
    },
  }
  return world
}
