import { createApp, effectScope, nextTick } from 'vue'
import { afterEach, beforeEach, expect, test } from 'vitest'
import { isConfigurationError } from '../../index.js'
import { tokenSession, useSessionStatus, useTokenSession } from '../../integrations/vue.js'
import { startFakeApi, type FakeApi } from '../support/fake-api.js'
import { signedInSession } from '../support/session-harness.js'

// The composables follow the session while their effect scope lives, and not a moment longer.
let api: FakeApi
beforeEach(async () => {
  api = await startFakeApi()
})
afterEach(() => api.close())

test('a status ref follows the session until its scope is disposed, then lets go of the actor', async () => {
  const session = await signedInSession(api)
  const app = createApp({}).use(tokenSession(session))
  const observers = () => (session.actor as unknown as { observers: Set<unknown> }).observers.size
  const before = observers()
  const scope = effectScope()
  const status = app.runWithContext(() => scope.run(() => useSessionStatus())!)
  expect(status.value).toBe('active')
  expect(observers()).toBe(before + 1)

  await session.signOut()
  await nextTick()
  expect(status.value).toBe('signedOut')

  scope.stop()
  expect(observers()).toBe(before)
})

test('without the plugin, useTokenSession is a ConfigurationError that says what is missing', () => {
  const app = createApp({})
  let error: unknown
  try {
    app.runWithContext(() => useTokenSession())
  } catch (caught) {
    error = caught
  }
  expect(isConfigurationError(error)).toBe(true)
  expect((error as Error).message).toContain('tokenSession(session)')
})
