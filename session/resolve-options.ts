import { systemClock } from '../adapters/clock.js'
import { defaultEnvironment } from '../adapters/environment.js'
import { memoryStorage } from '../adapters/memory-storage.js'
import { noNavigation } from '../adapters/navigation.js'
import { ConfigurationError } from '../machines/errors.js'
import type { Environment, TokenEndpoint } from '../machines/ports.js'
import { allowedOrigins } from './allowed-origins.js'
import { guardedClock, guardedRandom } from './guarded-clock.js'
import { resolveTiming } from './refresh-timing.js'
import type { RefreshFunction, TokenSessionOptions } from './session-options.js'
import type { Warn } from './warnings.js'

function normalizeEndpoint(endpoint: TokenEndpoint | RefreshFunction | undefined): TokenEndpoint {
  if (typeof endpoint === 'function') return { refresh: endpoint }
  if (typeof endpoint?.refresh !== 'function') {
    throw new ConfigurationError(
      'createTokenSession needs a tokenEndpoint: oauth2TokenEndpoint({ url, clientId }), jsonTokenEndpoint({ url }) or an async function.',
    )
  }
  return endpoint
}

/** The environment, unable to break the session: a throw is an `ENVIRONMENT_FAILED` warning, and the session assumes online. */
function guardedEnvironment(environment: Environment, warn: Warn): Environment {
  const failed = (error: unknown) =>
    warn('ENVIRONMENT_FAILED', 'The environment adapter threw; the session assumes it is online and visible.', error)
  return {
    isOnline() {
      try {
        return environment.isOnline() !== false
      } catch (error) {
        failed(error)
        return true
      }
    },
    subscribe(listener) {
      try {
        const unsubscribe = environment.subscribe(listener)
        return () => {
          try {
            unsubscribe()
          } catch (error) {
            failed(error)
          }
        }
      } catch (error) {
        failed(error)
        return () => undefined
      }
    },
  }
}

/** The options of `createTokenSession`, validated, with defaults, and every user port guarded. */
export function resolveOptions(options: TokenSessionOptions, warn: Warn) {
  return {
    endpoint: normalizeEndpoint(options.tokenEndpoint),
    origins: allowedOrigins(options.allowedOrigins, options.allowInsecureHttp ?? false),
    navigation: options.navigation ?? noNavigation(),
    timing: resolveTiming(options.refresh),
    clock: guardedClock(options.clock ?? systemClock(), warn),
    random: guardedRandom(options.random ?? Math.random, warn),
    environment: guardedEnvironment(options.environment ?? defaultEnvironment(), warn),
    userStorage: options.storage ?? memoryStorage(),
  }
}
