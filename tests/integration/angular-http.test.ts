import '@angular/compiler' // Angular's npm packages are partially compiled: in Node, the JIT compiler links them
import { HttpClient, HttpErrorResponse, provideHttpClient, withFetch, withInterceptors } from '@angular/common/http'
import {
  createEnvironmentInjector,
  Injector,
  provideZonelessChangeDetection,
  ɵINJECTOR_SCOPE as INJECTOR_SCOPE,
  type EnvironmentInjector,
} from '@angular/core'
import { firstValueFrom } from 'rxjs'
import { expect, test } from 'vitest'
import { isNotSignedInError, type TokenSession } from '../../index.js'
import { provideTokenSession, tokenSessionInterceptor } from '../../integrations/angular.js'
import { signedInSession, useRealWorld, waitForAccessTokenExpiry } from './real-world.js'

// Issue 12: Angular's HttpClient through the functional interceptor, against the real authorization server and API.
const world = useRealWorld()

/**
 * An application injector as `bootstrapApplication` would make one, without a
 * page: HttpClient on fetch, the interceptor, the session.
 */
function httpClientFor(session: TokenSession): HttpClient {
  const injector = createEnvironmentInjector(
    [
      { provide: INJECTOR_SCOPE, useValue: 'root' }, // what an application's root injector is; the public way needs a DOM
      provideZonelessChangeDetection(),
      provideTokenSession(session),
      provideHttpClient(withFetch(), withInterceptors([tokenSessionInterceptor])),
    ],
    Injector.NULL as EnvironmentInjector,
  )
  return injector.get(HttpClient)
}

async function apiClient() {
  const signedIn = await signedInSession(world, { refresh: { proactive: false } })
  return { ...signedIn, http: httpClientFor(signedIn.session) }
}

test('100 concurrent HttpClient calls meeting 401s give exactly one refresh grant, and all 100 succeed', async () => {
  const { http, storage } = await apiClient()
  await waitForAccessTokenExpiry(storage)

  const answers = await Promise.all(
    Array.from({ length: 100 }, () => firstValueFrom(http.get<{ ok: boolean }>(`${world.api.url}/data`))),
  )

  expect(answers.every((answer) => answer.ok)).toBe(true)
  expect(world.as.counts).toMatchObject({ refreshGrants: 1, refreshGrantsSucceeded: 1 })
  expect(world.api.counts).toMatchObject({ requests: 200, unauthorized: 100, ok: 100 })
})

test('a JSON POST body is identical on both sends', async () => {
  const { http, storage } = await apiClient()
  await waitForAccessTokenExpiry(storage)

  const echoed = await firstValueFrom(http.post(`${world.api.url}/echo`, { hello: 'world' }, { responseType: 'text' }))

  expect(echoed).toBe('{"hello":"world"}')
  expect(world.api.echoes).toHaveLength(2)
  expect(world.api.echoes[1]).toEqual(world.api.echoes[0])
})

test('unsubscribing aborts a call waiting for the refresh, without cancelling the refresh', async () => {
  const { http, storage, tokenEndpoint } = await apiClient()
  await waitForAccessTokenExpiry(storage)
  const release = tokenEndpoint.hold()
  const outcomes: string[] = []
  const waiting = http.get(`${world.api.url}/data`).subscribe({
    next: () => outcomes.push('next'),
    error: () => outcomes.push('error'),
    complete: () => outcomes.push('complete'),
  })
  const other = firstValueFrom(http.get<{ ok: boolean }>(`${world.api.url}/data`))
  await new Promise((resolve) => setTimeout(resolve, 100))

  waiting.unsubscribe()
  release()

  expect((await other).ok).toBe(true)
  expect(outcomes).toEqual([])
  expect(world.as.counts).toMatchObject({ refreshGrants: 1, refreshGrantsSucceeded: 1 })
  // The aborted call was never replayed: 2 sends of `other`, 1 of the aborted one.
  expect(world.api.counts.requests).toBe(3)
})

test('a 403 is never refreshed: it is an HttpErrorResponse with its status', async () => {
  const { http } = await apiClient()

  const error = await firstValueFrom(http.get(`${world.api.url}/admin`)).catch((caught: unknown) => caught)

  expect(error).toBeInstanceOf(HttpErrorResponse)
  expect((error as HttpErrorResponse).status).toBe(403)
  expect(world.as.counts.refreshGrants).toBe(0)
})

test('a foreign origin never gets the token', async () => {
  const { http } = await apiClient()

  await firstValueFrom(http.get(`${world.foreign.url}/absolute`, { responseType: 'text' }))

  expect(world.foreign.seen).toEqual([{ path: '/absolute', authorization: undefined }])
})

test("errors keep Angular's shape; the library's typed error is the HttpErrorResponse's error", async () => {
  const { http, session } = await apiClient()
  await session.signOut()

  const error = await firstValueFrom(http.get(`${world.api.url}/data`)).catch((caught: unknown) => caught)

  expect(error).toBeInstanceOf(HttpErrorResponse)
  expect((error as HttpErrorResponse).statusText).toBe('NOT_SIGNED_IN')
  expect(isNotSignedInError((error as HttpErrorResponse).error)).toBe(true)
})
