/**
 * What an example page and its host agree on: the configuration the host
 * serves, the API's list, and the probe the browser tests read. Types only,
 * so the tests can import them without the library's browser code.
 */

/** How the session renews; the library's `RefreshOptions`, the fields the examples set. */
export interface ExampleRefresh {
  proactive?: boolean
  minInterval?: number
}

/** Served by the example's host as `/config.json`: where the servers are. */
export interface ExampleConfig {
  tokenEndpoint: string
  revocationEndpoint: string
  clientId: string
  /** The API origin; the only one that gets the token. */
  api: string
  /** `POST` here runs the login (authorization code + PKCE) and answers its token response. */
  signInUrl: string
  /** How often the list reloads while signed in, in ms. */
  loadEveryMs: number
  refresh?: ExampleRefresh
}

export interface Item {
  id: number
  name: string
}

export interface ItemList {
  sub: string
  /** How many lists the API has served: it grows with every load. */
  n: number
  items: Item[]
}

/** What the browser tests read, on `window.exampleProbe`: never a token. */
export interface ExampleProbe {
  /** Every status the chart took, in order, from a plain subscription to the actor. */
  statuses: string[]
  /** Snapshots the actor emitted: every event it took. */
  snapshots: number
  /** Commits of the view that shows the status, where the framework reports them (React's Profiler). */
  renders: number
  /** Runs of the app's mount effect: 2 under React's StrictMode, which runs effects twice on mount; 1 elsewhere. */
  mountEffects: number
  /** List loads that succeeded, and that failed. */
  loads: { ok: number; failed: number }
}
