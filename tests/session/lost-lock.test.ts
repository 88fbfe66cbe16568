import { afterEach, beforeEach, expect, test } from 'vitest'
import type { Lock } from '../../machines/ports.js'
import type { SessionEventMap } from '../../session/create-token-session.js'
import { startFakeApi, type FakeApi } from '../support/fake-api.js'
import { settleOf, signedInSession, stateOf } from '../support/session-harness.js'

// Issue 9, finding 7: when the lock's signal aborted (a Redis lease lost, a Web
// Lock stolen), the refresh still presented its refresh token, maybe alongside the new holder.

let api: FakeApi
beforeEach(async () => {
  api = await startFakeApi()
})
afterEach(() => api.close())

/** A lock that is lost as soon as it is granted, `times` times after the sign-in's (the first grant). */
function losingLock(times: number): Lock & { grants: number } {
  const lock = {
    grants: 0,
    async withLock<T>(_name: string, task: (signal: AbortSignal) => Promise<T>) {
      lock.grants++
      const held = new AbortController()
      if (lock.grants > 1 && lock.grants <= 1 + times) held.abort(new DOMException('lease lost', 'AbortError'))
      return task(held.signal)
    },
  }
  return lock
}

test('a lock lost before the exchange means no exchange: the attempt fails as LOCK_LOST and is tried again', async () => {
  const lock = losingLock(1)
  const session = await signedInSession(api, { coordination: { lock }, random: () => 0 })
  const failures: SessionEventMap['refreshFailed'][] = []
  session.on('refreshFailed', (event) => failures.push(event))
  api.expireAccessTokens()

  const response = await session.fetch(api.url('/data'))

  expect(response.status).toBe(200)
  expect(failures).toEqual([{ type: 'refreshFailed', code: 'LOCK_LOST', attempt: 1, willRetry: true }])
  // The lost attempt presented nothing; the second, under a held lock, presented rt-1 once.
  expect(api.refreshes).toEqual(['rt-1'])
  expect(lock.grants).toBe(3)
})

test('a lock lost every time ends in a RefreshError for the caller, and the session stays signed in', async () => {
  const session = await signedInSession(api, {
    coordination: { lock: losingLock(99) },
    random: () => 0,
    refresh: { maxAttempts: 2 },
  })
  api.expireAccessTokens()

  expect(await settleOf(session.fetch(api.url('/data')))).toMatchObject({ ok: false, error: { code: 'LOCK_LOST' } })
  expect(api.refreshes).toEqual([])
  expect(stateOf(session)).toMatch(/^active/)
})
