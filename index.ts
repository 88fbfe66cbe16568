export { createTokenSession } from './session/create-token-session.js'
export type {
  RefreshFunction,
  SessionEventMap,
  SignInOptions,
  SignInTokens,
  TokenSession,
  TokenSessionOptions,
} from './session/create-token-session.js'
export type { SendOptions, SessionRequestInit } from './session/session-options.js'
export { bearerChallenge, graphqlUnauthenticated, statusCodes } from './session/token-rejection.js'
export type { TokenRejection } from './session/token-rejection.js'
export type { SessionWarning, SessionWarningCode } from './session/warnings.js'
export { sessionStatus } from './session/session-status.js'
export type { SessionStatus } from './session/session-status.js'
export type { CoordinationOptions } from './session/coordination.js'
export type { RefreshOptions } from './session/refresh-timing.js'

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
export { inProcessLock } from './adapters/in-process-lock.js'
export { webLocks } from './adapters/web-locks.js'
export type { WebLocksOptions } from './adapters/web-locks.js'
export { broadcastChannel } from './adapters/broadcast-channel.js'
export type { BroadcastChannelOptions } from './adapters/broadcast-channel.js'
export { indexedDbStorage } from './adapters/indexed-db-storage.js'
export type { IndexedDbStorageOptions } from './adapters/indexed-db-storage.js'
export { redisLock } from './adapters/redis-lock.js'
export type { RedisLockOptions } from './adapters/redis-lock.js'
export { redisBroadcast } from './adapters/redis-broadcast.js'
export type { RedisBroadcastOptions } from './adapters/redis-broadcast.js'
export { redisStorage } from './adapters/redis-storage.js'
export type { RedisStorageOptions } from './adapters/redis-storage.js'
export type { IoRedisLike, IoRedisSubscriberLike, RedisClient, RedisLike, RedisSubscriberLike } from './adapters/redis-like.js'
export type { FetchAdapter, OutgoingRequest } from './adapters/fetch.js'

export * from './machines/index.js'
export type {
  Awaitable,
  Broadcast,
  BroadcastMessage,
  Clock,
  Environment,
  EnvironmentChange,
  FetchFunction,
  LedgerEntry,
  LedgerStorage,
  Lock,
  Navigation,
  StoredTokens,
  TokenEndpoint,
  TokenSet,
  TokenStorage,
} from './machines/ports.js'
export {
  ConfigurationError,
  InvalidTokenResponseError,
  LockTimeoutError,
  NotSignedInError,
  RefreshError,
  RevocationError,
  SessionDisposedError,
  SessionExpiredError,
  TokenSessionError,
  isConfigurationError,
  isInvalidTokenResponseError,
  isLockTimeoutError,
  isNotSignedInError,
  isRefreshError,
  isRevocationError,
  isSessionDisposedError,
  isSessionExpiredError,
  isTokenSessionError,
} from './machines/errors.js'
export type { RefreshErrorCode, TokenSessionErrorCode } from './machines/errors.js'
