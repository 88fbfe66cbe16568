import { expect, test } from 'vitest'
import { browserEnvironment, staticEnvironment } from '../../adapters/environment.js'
import type { EnvironmentChange } from '../../machines/ports.js'

test('reports a page becoming visible and the network going and coming', () => {
  const window = Object.assign(new EventTarget(), { navigator: { onLine: true } })
  const document = Object.assign(new EventTarget(), { visibilityState: 'hidden' })
  const environment = browserEnvironment({ window, document })
  const changes: EnvironmentChange[] = []
  const unsubscribe = environment.subscribe((change) => changes.push(change))

  document.dispatchEvent(new Event('visibilitychange')) // still hidden: nothing to catch up
  document.visibilityState = 'visible'
  document.dispatchEvent(new Event('visibilitychange'))
  window.dispatchEvent(new Event('offline'))
  window.dispatchEvent(new Event('online'))
  unsubscribe()
  window.dispatchEvent(new Event('offline'))

  expect(changes).toEqual(['visible', 'offline', 'online'])
})

test('reads connectivity from navigator.onLine', () => {
  const window = Object.assign(new EventTarget(), { navigator: { onLine: false } })
  expect(browserEnvironment({ window, document: new EventTarget() }).isOnline()).toBe(false)
  expect(staticEnvironment().isOnline()).toBe(true)
})
