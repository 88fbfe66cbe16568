export { createTokenSession } from './session/create-token-session.js'
export type {
  RefreshFunction,
  SessionEventMap,
  SignInTokens,
  TokenSession,
  TokenSessionOptions,
} from './session/create-token-session.js'
export type { SessionWarning } from './session/warnings.js'

export { oauth2TokenEndpoint } from './adapters/oauth2-token-endpoint.js'
export type { OAuth2TokenEndpointOptions } from './adapters/oauth2-token-endpoint.js'
export { jsonTokenEndpoint } from './adapters/json-token-endpoint.js'
export type { JsonTokenEndpointOptions } from './adapters/json-token-endpoint.js'
export { memoryStorage } from './adapters/memory-storage.js'
export { webStorage } from './adapters/web-storage.js'
export type { KeyValueStore, WebStorageOptions } from './adapters/web-storage.js'
export { callbackNavigation, noNavigation, redirectNavigation } from './adapters/navigation.js'
export type { LocationLike, RedirectNavigationOptions } from './adapters/navigation.js'
export { systemClock } from './adapters/clock.js'
export type { SystemClockOptions } from './adapters/clock.js'
export { browserEnvironment, staticEnvironment } from './adapters/environment.js'
export type { BrowserEnvironmentOptions } from './adapters/environment.js'
export { fetchAdapter } from './adapters/fetch.js'
export type { FetchAdapter, OutgoingRequest } from './adapters/fetch.js'

export { sessionMachine } from './machines/session.machine.js'
export type {
  EndReason,
  RefreshFailureCode,
  SessionContext,
  SessionEmitted,
  SessionEvent,
  TokenMetadata,
} from './machines/session.types.js'
export type {
  Awaitable,
  FetchFunction,
  Navigation,
  StoredTokens,
  TokenEndpoint,
  TokenSet,
  TokenStorage,
} from './machines/ports.js'
export {
  ConfigurationError,
  InvalidTokenResponseError,
  NotSignedInError,
  RefreshError,
  RevocationError,
  SessionExpiredError,
  TokenSessionError,
  isNotSignedInError,
  isRefreshError,
  isSessionExpiredError,
  isTokenSessionError,
} from './machines/errors.js'
export type { RefreshErrorCode, TokenSessionErrorCode } from './machines/errors.js'
