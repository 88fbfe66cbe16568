import { expect, test } from 'vitest'
import { callbackNavigation, noNavigation, redirectNavigation, type LocationLike } from '../../adapters/navigation.js'
import { ConfigurationError } from '../../machines/errors.js'

function fakeLocation(href: string): LocationLike & { assigned: string[] } {
  const url = new URL(href)
  const assigned: string[] = []
  return {
    href: url.href,
    origin: url.origin,
    pathname: url.pathname,
    search: url.search,
    hash: url.hash,
    assigned,
    assign: (target) => void assigned.push(target),
  }
}

test('redirects to the login page with the current path (never an origin) as returnTo', () => {
  const location = fakeLocation('https://app.example.com/orders?page=2#top')
  redirectNavigation({ loginUrl: '/login', location }).toLogin({ reason: 'expired' })

  expect(location.assigned).toEqual(['https://app.example.com/login?returnTo=%2Forders%3Fpage%3D2%23top'])
})

test('keeps an absolute login URL, a custom parameter name, or none', () => {
  const location = fakeLocation('https://app.example.com/a')
  redirectNavigation({ loginUrl: 'https://auth.example.com/signin?x=1', returnToParam: 'next', location }).toLogin({
    reason: 'expired',
  })
  redirectNavigation({ loginUrl: '/login', returnToParam: null, location }).toLogin({ reason: 'expired' })

  expect(location.assigned).toEqual(['https://auth.example.com/signin?x=1&next=%2Fa', 'https://app.example.com/login'])
})

test('without a page location, redirectNavigation is a configuration error', () => {
  expect(() => redirectNavigation({ loginUrl: '/login' })).toThrow(ConfigurationError)
})

test('callbackNavigation hands the expiry to the app; noNavigation does nothing', () => {
  const calls: unknown[] = []
  callbackNavigation((details) => calls.push(details)).toLogin({ reason: 'expired' })
  noNavigation().toLogin({ reason: 'expired' })

  expect(calls).toEqual([{ reason: 'expired' }])
})
