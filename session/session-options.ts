/// <reference lib="esnext.disposable" />
import type { ActorOptions, createActor } from 'xstate'
import type { Clock, Environment, FetchFunction, Navigation, TokenEndpoint, TokenSet, TokenStorage } from '../machines/ports.js'
import type { sessionMachine } from '../machines/session.machine.js'
import type { SessionEmitted } from '../machines/session.types.js'
import type { RefreshOptions } from './refresh-timing.js'
import type { TokenRejection } from './token-rejection.js'
import type { CoordinationOptions } from './coordination.js'
import type { SessionWarning } from './warnings.js'

/** A token endpoint written as one async function (any backend, any protocol). */
export type RefreshFunction = TokenEndpoint['refresh']

export interface TokenSessionOptions {
  /** Where refresh tokens are exchanged: `oauth2TokenEndpoint(...)`, `jsonTokenEndpoint(...)`, or your own function. */
  tokenEndpoint: TokenEndpoint | RefreshFunction
  /**
   * Where tokens are kept between reloads.
   * @default memoryStorage() — nothing persists, nothing leaks to other scripts' storage reads
   */
  storage?: TokenStorage
  /**
   * What happens once the session has expired: `redirectNavigation`, `callbackNavigation`.
   * @default noNavigation()
   */
  navigation?: Navigation
  /**
   * The exact origins (scheme://host:port) that receive the access token. Every other origin gets requests untouched.
   * @default [location.origin] in a browser; required where there is no page (Node)
   */
  allowedOrigins?: readonly string[]
  /**
   * Allows plain-http origins beyond loopback. Bearer tokens sent over plain http can be stolen by anyone on the path (RFC 6750 §5.3): local development only.
   * @default false
   */
  allowInsecureHttp?: boolean
  /**
   * The fetch that sends requests.
   * @default globalThis.fetch, looked up at call time
   */
  fetch?: FetchFunction
  /** When and how to refresh: proactively, with backoff, within a deadline. */
  refresh?: RefreshOptions
  /**
   * Time: monotonic `now`, wall `wallNow`, timers. Swap in a simulated clock for tests.
   * @default systemClock()
   */
  clock?: Clock
  /**
   * Visibility and connectivity hooks.
   * @default browserEnvironment() in a browser, staticEnvironment() (always online) elsewhere
   */
  environment?: Environment
  /**
   * Randomness for backoff jitter, in [0, 1).
   * @default Math.random
   */
  random?: () => number
  /** Sharing one grant across tabs or processes: one refresh among all of them, sign-in and sign-out everywhere. */
  coordination?: CoordinationOptions
  /** An XState inspector, e.g. `createBrowserInspector().inspect` from `@statelyai/inspect`. */
  inspect?: ActorOptions<typeof sessionMachine>['inspect']
  /**
   * When an answer to `session.fetch` means the access token was refused, so
   * one refresh and one replay may help. It gets a clone of the response, so
   * it may read the body. Ready ones: `statusCodes([401, 403])`, `graphqlUnauthenticated`.
   * @default RFC 6750 §3.1: a 401 whose challenge blames the token (`bearerChallenge`)
   */
  isTokenRejected?: TokenRejection
  /**
   * The type of access token the authorization server issues. `'DPoP'`
   * (RFC 9449) sends `Authorization: DPoP <token>`: give the session, the
   * token endpoint and the login a `dpopFetch` from
   * `token-refresh-machine/dpop`, which adds the proofs. Sign-in and refresh
   * answers of another type are refused (`INVALID_RESPONSE`).
   * @default 'Bearer'
   */
  tokenType?: 'Bearer' | 'DPoP'
}

/** `fetch`'s init, plus the session's one option per request. */
export interface SessionRequestInit extends RequestInit {
  /**
   * `'none'`: send this request as it is: no token attached, never refreshed for.
   * @default the session's: a token for allowed origins
   */
  auth?: 'none'
}

/** How `session.send` carries one request of any HTTP client. */
export interface SendOptions<TResponse> {
  /** Where the request goes: the token is given only for an origin in `allowedOrigins`. */
  url: string | URL
  /** Aborts the call wherever it is, also while it waits for a refresh; never the shared refresh. */
  signal?: AbortSignal | undefined
  /**
   * False when the request cannot be sent twice (a one-shot stream body): its rejection then goes back to the caller.
   * @default true
   */
  replayable?: boolean
  /**
   * When the answer means the token was refused.
   * @default RFC 6750 §3.1 (`bearerChallenge`), reading `status` and a `www-authenticate` header from a fetch `Response` or a plain header object
   */
  isTokenRejected?: TokenRejection<TResponse>
  /** Frees an answer that will not reach the caller (the rejected one, before the replay). */
  discard?: (response: TResponse) => void
}

/** How a sign-in starts its grant. */
export interface SignInOptions {
  /**
   * The new grant's id, made ahead of the login by what must know it first
   * (`grantKeys().prepare()` from `token-refresh-machine/dpop` stores the
   * grant's DPoP key under it). 16 to 128 characters of `A-Z a-z 0-9 - _`,
   * from at least 128 random bits; never an id used before.
   * @default a fresh random id
   */
  grant?: string
}

/** Raw RFC 6749 §5.1 response from the app's login, or the library's camelCase token set. */
export type SignInTokens = Record<string, unknown> | TokenSet

export interface SessionEventMap {
  refreshed: Extract<SessionEmitted, { type: 'refreshed' }>
  refreshFailed: Extract<SessionEmitted, { type: 'refreshFailed' }>
  expired: Extract<SessionEmitted, { type: 'expired' }>
  signedOut: Extract<SessionEmitted, { type: 'signedOut' }>
  warning: SessionWarning
  /** The session now holds other tokens (signed in, refreshed, restored, or a sibling's): re-authenticate long-lived connections with `getAccessToken()`. It carries no token. */
  tokensChanged: { type: 'tokensChanged'; grant: string; generation: number }
}

export interface TokenSession {
  /**
   * `fetch`, with the access token on allowed origins and refresh handled.
   * Same signature and semantics otherwise; `init.auth: 'none'` opts one call out.
   */
  readonly fetch: (input: RequestInfo | URL, init?: SessionRequestInit) => Promise<Response>
  /**
   * The core call, for any HTTP client (axios, XHR, Angular's HttpClient):
   * `attempt(accessToken)` performs the request and resolves its answer; the
   * session decides whether a rejection means one refresh and one replay
   * (single-flight with everything else), and settles the call exactly once.
   */
  readonly send: <TResponse>(
    attempt: (accessToken: string) => Promise<TResponse>,
    options: SendOptions<TResponse>,
  ) => Promise<TResponse>
  /**
   * An access token valid now and for at least `minValidity` ms, for what is
   * not a request through the session: WebSocket and EventSource URLs,
   * SignalR's `accessTokenFactory`, gRPC-web metadata. It joins the refresh in
   * flight, or starts one, single-flight with everything else. As for
   * requests, a token is renewed no sooner than `refresh.minInterval` after
   * it arrived. This is the escape hatch from the allowlist: the caller
   * decides where the token goes, and owns keeping it off other origins and
   * out of logs and URLs it shares.
   */
  readonly getAccessToken: (options?: { signal?: AbortSignal; minValidity?: number }) => Promise<string>
  /** Whether `url`'s origin is one the token may go to (`allowedOrigins`): for clients that decide before `send`. */
  readonly allowsOrigin: (url: string | URL) => boolean
  /**
   * Starts a new grant with the token response from your login: this session
   * and every sibling of its scope follow it. Requests parked for an older
   * grant are rejected with `NotSignedInError`. Resolves once the tokens are
   * stored (or the storage's deadline passed, with a warning).
   */
  signIn(tokens: SignInTokens, options?: SignInOptions): Promise<void>
  /**
   * Ends the grant everywhere it lives: memory, storage, ledger, every sibling
   * of the scope, and the server (RFC 7009) when the endpoint can revoke: the
   * newest refresh token it issued, one a refresh in flight brings included.
   */
  signOut(): Promise<void>
  /**
   * Ends this session object: its actor, timers and subscriptions stop,
   * requests still waiting reject with `SessionDisposedError`, later calls
   * reject at once, and nothing refreshes any more. Tokens leave memory but
   * stay in storage, so a new session restores them. `await using` calls it.
   */
  dispose(): void
  [Symbol.asyncDispose](): Promise<void>
  /** Subscribes to an event; returns the unsubscribe function. Listeners run after the transition that caused them. */
  on<TType extends keyof SessionEventMap>(type: TType, listener: (event: SessionEventMap[TType]) => void): () => void
  /** The shared slot the session belongs to (`coordination.name`, or its storage's): what its siblings have in common. */
  readonly scope: string
  /** The XState actor: `subscribe`, `getSnapshot`, `useSelector`, inspection. */
  readonly actor: ReturnType<typeof createActor<typeof sessionMachine>>
}
