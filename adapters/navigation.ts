import { ConfigurationError } from '../machines/errors.js'
import type { Navigation } from '../machines/ports.js'

/** The part of `window.location` a redirect needs. */
export interface LocationLike {
  readonly href: string
  readonly origin: string
  readonly pathname: string
  readonly search: string
  readonly hash: string
  assign(url: string): void
}

export interface RedirectNavigationOptions {
  /** Where users sign in: absolute, or relative to the page. */
  loginUrl: string
  /**
   * The query parameter that carries the page to come back to. It holds a
   * path only (never an origin), so a login page that follows it cannot be
   * turned into an open redirect. Set to `null` to leave it out.
   * @default 'returnTo'
   */
  returnToParam?: string | null
  /** @default globalThis.location */
  location?: LocationLike
}

/**
 * A full-page redirect to the login page, with a same-origin `returnTo` path.
 *
 * @example
 * redirectNavigation({ loginUrl: '/login' }) // -> /login?returnTo=%2Forders%3Fpage%3D2
 */
export function redirectNavigation(options: RedirectNavigationOptions): Navigation {
  const location = options.location ?? (globalThis as { location?: LocationLike }).location
  if (!location) {
    throw new ConfigurationError(
      'redirectNavigation needs a page location; outside a browser use callbackNavigation or noNavigation.',
    )
  }
  const param = options.returnToParam === undefined ? 'returnTo' : options.returnToParam
  return {
    toLogin() {
      const target = new URL(options.loginUrl, location.href)
      if (param !== null) target.searchParams.set(param, location.pathname + location.search + location.hash)
      location.assign(target.href)
    },
  }
}

/**
 * Hands the expiry to your router (React Router, Vue Router, Angular Router...).
 *
 * @example
 * callbackNavigation(() => router.navigate('/login'))
 */
export function callbackNavigation(callback: Navigation['toLogin']): Navigation {
  return { toLogin: callback }
}

/** Does nothing: for servers, and for apps that react to the `expired` event themselves. The default. */
export function noNavigation(): Navigation {
  return { toLogin() {} }
}
