/**
 * In-process servers for tests and the demo, all on 127.0.0.1 with ephemeral ports:
 * an OAuth 2.0 authorization server, a protected API, and a foreign origin that records
 * what reaches it. Test infrastructure only; never part of the published library.
 */
export {
  DEFAULT_RESOURCE,
  startAuthorizationServer,
  type AuthorizationServer,
  type AuthorizationServerCounts,
  type AuthorizationServerOptions,
} from './authorization-server.js'
export {
  startResourceServer,
  type ResourceServer,
  type ResourceServerCounts,
  type ResourceServerOptions,
} from './resource-server.js'
export { startRecordingServer, type RecordedRequest, type RecordingServer } from './recording-server.js'
