import { createElement } from 'react'
import { renderToString } from 'react-dom/server'
import { afterEach, beforeEach, expect, test } from 'vitest'
import { isConfigurationError } from '../../index.js'
import { TokenSessionProvider, useSessionStatus, useTokenSession } from '../../integrations/react.js'
import { startFakeApi, type FakeApi } from '../support/fake-api.js'
import { signedInSession } from '../support/session-harness.js'

// A server render reads nothing a browser's session knows, and starts nothing.
let api: FakeApi
beforeEach(async () => {
  api = await startFakeApi()
})
afterEach(() => api.close())

function Status() {
  return createElement('output', null, useSessionStatus())
}

test('a server render shows restoring, sends nothing and leaves no subscription behind', async () => {
  const session = await signedInSession(api)
  const observers = (session.actor as unknown as { observers: Set<unknown> }).observers.size
  const requests = api.seen.length

  const html = renderToString(createElement(TokenSessionProvider, { session }, createElement(Status)))

  expect(html).toBe('<output>restoring</output>')
  expect(api.seen.length).toBe(requests)
  expect(api.refreshes).toEqual([])
  expect((session.actor as unknown as { observers: Set<unknown> }).observers.size).toBe(observers)
})

test('a hook without a provider is a ConfigurationError that says what is missing', () => {
  function Orphan() {
    useTokenSession()
    return null
  }
  let error: unknown
  try {
    renderToString(createElement(Orphan))
  } catch (caught) {
    error = caught
  }
  expect(isConfigurationError(error)).toBe(true)
  expect((error as Error).message).toContain('<TokenSessionProvider')
})
