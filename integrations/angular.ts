/**
 * `token-refresh-machine/angular`: the session in Angular, with functional
 * APIs only (no decorators, so nothing here needs Angular's compiler).
 * `provideTokenSession(session)` makes a session created outside Angular
 * injectable; `injectSessionStatus()` is a signal of its status; and
 * `tokenSessionInterceptor` gives `HttpClient` calls what `session.fetch`
 * has: the token only for allowed origins, one refresh for any number of
 * concurrent rejections, one replay, abort by unsubscribing, every call
 * settled once. Angular is an optional peer dependency; nothing here reaches
 * the main entry.
 */
import {
  HttpErrorResponse,
  type HttpEvent,
  type HttpHandlerFn,
  type HttpInterceptorFn,
  type HttpRequest,
} from '@angular/common/http'
import {
  DestroyRef,
  InjectionToken,
  inject,
  makeEnvironmentProviders,
  signal,
  type EnvironmentProviders,
  type Signal,
} from '@angular/core'
import { Observable, type Subscription } from 'rxjs'
import { isTokenSessionError } from '../machines/errors.js'
import type { TokenSession } from '../session/session-options.js'
import { sessionStatus, type SessionStatus } from '../session/session-status.js'
import { bearerChallenge } from '../session/token-rejection.js'
import { selectFromSession, type SessionSnapshot } from './selection.js'

/** The session, as `inject(TOKEN_SESSION)` finds it. */
export const TOKEN_SESSION = new InjectionToken<TokenSession>('token-refresh-machine session')

/**
 * Makes `session` injectable app-wide. Pair it with the interceptor:
 *
 * @example
 * bootstrapApplication(AppComponent, {
 *   providers: [provideTokenSession(session), provideHttpClient(withInterceptors([tokenSessionInterceptor]))],
 * })
 */
export function provideTokenSession(session: TokenSession): EnvironmentProviders {
  return makeEnvironmentProviders([{ provide: TOKEN_SESSION, useValue: session }])
}

/**
 * A signal of a value selected from the session's snapshot, set only when it
 * changes (by `isEqual`, `Object.is` by default). Call it in an injection
 * context (a field initializer, a constructor); it stops following the
 * session when that context is destroyed.
 */
export function injectSessionSelector<T>(
  select: (snapshot: SessionSnapshot) => T,
  isEqual: (a: T, b: T) => boolean = Object.is,
): Signal<T> {
  const selection = selectFromSession(inject(TOKEN_SESSION), select, isEqual)
  const value = signal(selection.get(), { equal: isEqual })
  inject(DestroyRef).onDestroy(selection.subscribe((next) => value.set(next)))
  return value.asReadonly()
}

/** A signal of the session's status: `restoring`, `signedOut`, `active`, `refreshing`, `expired`. */
export function injectSessionStatus(): Signal<SessionStatus> {
  return injectSessionSelector(sessionStatus)
}

/** One send of the request: every event it produced, and its error if it failed (an HTTP error status is one). */
interface Outcome {
  events: Array<HttpEvent<unknown>>
  error?: unknown
}

/** RFC 6750 §3.1 on Angular's error: a 401 whose challenge blames the token. */
function tokenRefused(outcome: Outcome): boolean {
  const { error } = outcome
  if (!(error instanceof HttpErrorResponse)) return false
  return bearerChallenge({ status: error.status, headers: error.headers })
}

/** A body that can be sent twice; only a one-shot `ReadableStream` cannot. */
function isReplayable(body: unknown): boolean {
  return !(typeof ReadableStream !== 'undefined' && body instanceof ReadableStream)
}

function absolute(url: string): string {
  return typeof document === 'undefined' ? url : new URL(url, document.baseURI).href
}

/**
 * Sends `request` through the session: `attempt` is one send with a token,
 * buffered until the session has decided whether the answer stands or a
 * refresh and one replay follow. Progress events therefore arrive together
 * with the answer.
 */
function throughSession(session: TokenSession, request: HttpRequest<unknown>, next: HttpHandlerFn, url: string) {
  return new Observable<HttpEvent<unknown>>((subscriber) => {
    const controller = new AbortController()
    let sending: Subscription | undefined
    const attempt = (accessToken: string) =>
      new Promise<Outcome>((resolve) => {
        const events: Outcome['events'] = []
        sending = next(request.clone({ setHeaders: { Authorization: `Bearer ${accessToken}` } })).subscribe({
          next: (event) => events.push(event),
          error: (error: unknown) => resolve({ events, error }),
          complete: () => resolve({ events }),
        })
      })
    session
      .send(attempt, {
        url,
        signal: controller.signal,
        replayable: isReplayable(request.body),
        isTokenRejected: tokenRefused,
      })
      .then(
        (outcome) => {
          for (const event of outcome.events) subscriber.next(event)
          if ('error' in outcome) subscriber.error(outcome.error)
          else subscriber.complete()
        },
        (error: unknown) => {
          if (controller.signal.aborted) return
          // The library's typed error (NotSignedInError, SessionExpiredError, RefreshError) in Angular's shape.
          subscriber.error(
            isTokenSessionError(error) ? new HttpErrorResponse({ error, status: 0, statusText: error.code, url }) : error,
          )
        },
      )
    // Unsubscribing aborts the call wherever it is, also while it waits for a refresh; never the shared refresh.
    return () => {
      controller.abort()
      sending?.unsubscribe()
    }
  })
}

/**
 * The functional interceptor: requests to origins on the session's
 * allowlist go through the session; every other request passes untouched,
 * without a token.
 */
export const tokenSessionInterceptor: HttpInterceptorFn = (request, next) => {
  const session = inject(TOKEN_SESSION)
  const url = absolute(request.urlWithParams)
  return session.allowsOrigin(url) ? throughSession(session, request, next, url) : next(request)
}

export type { SessionStatus } from '../session/session-status.js'
export type { SessionSnapshot } from './selection.js'
