import { afterAll, beforeAll, beforeEach } from 'vitest'
import { startDpopResourceServer, type DpopResourceServer } from '../servers/dpop-resource-server.js'
import { startAuthorizationServer, type AuthorizationServer } from '../servers/index.js'

/** oidc-provider with DPoP and nonces required (2 s access tokens), and an API that verifies every proof. */
export interface DpopWorld {
  as: AuthorizationServer
  api: DpopResourceServer
}

/** Starts both servers for the suite, with zeroed counts before each test; `cors` lets loopback pages call the API. */
export function useDpopWorld(options: { cors?: boolean } = {}): DpopWorld {
  const world = {} as DpopWorld
  beforeAll(async () => {
    world.as = await startAuthorizationServer({ dpop: true, accessTokenTtlSeconds: 2 })
    const { issuer, jwksUri, resource: audience } = world.as
    world.api = await startDpopResourceServer({ issuer, jwksUri, audience, ...(options.cors ? { cors: true } : {}) })
  })
  afterAll(async () => {
    await world.api?.close()
    await world.as?.close()
  })
  beforeEach(() => {
    world.as.resetCounts()
    world.api.resetCounts()
  })
  return world
}
