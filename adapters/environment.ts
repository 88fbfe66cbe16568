import type { Environment, EnvironmentChange } from '../machines/ports.js'

interface EventTargetLike {
  addEventListener(type: string, listener: () => void): void
  removeEventListener(type: string, listener: () => void): void
}

export interface BrowserEnvironmentOptions {
  /** @default globalThis (window) */
  window?: EventTargetLike & { navigator?: { onLine?: boolean } }
  /** @default globalThis.document */
  document?: EventTargetLike & { visibilityState?: string }
}

/**
 * Visibility and connectivity from the browser: `visibilitychange` (a tab
 * coming back from the background, where timers are throttled) and
 * `online` / `offline`.
 */
export function browserEnvironment(options: BrowserEnvironmentOptions = {}): Environment {
  const win: EventTargetLike & { navigator?: { onLine?: boolean } } = options.window ?? globalThis
  const doc = options.document ?? (globalThis as { document?: EventTargetLike & { visibilityState?: string } }).document
  return {
    isOnline: () => win.navigator?.onLine !== false,
    subscribe(listener: (change: EnvironmentChange) => void) {
      const onVisibility = () => {
        if (doc?.visibilityState === 'visible') listener('visible')
      }
      const onOnline = () => listener('online')
      const onOffline = () => listener('offline')
      doc?.addEventListener('visibilitychange', onVisibility)
      win.addEventListener('online', onOnline)
      win.addEventListener('offline', onOffline)
      return () => {
        doc?.removeEventListener('visibilitychange', onVisibility)
        win.removeEventListener('online', onOnline)
        win.removeEventListener('offline', onOffline)
      }
    },
  }
}

/** Always online, never hidden: servers, workers, tests. */
export function staticEnvironment(): Environment {
  return { isOnline: () => true, subscribe: () => () => undefined }
}

/** The browser's hooks where there is a browser, the static ones elsewhere. */
export function defaultEnvironment(): Environment {
  const hasWindowEvents = typeof (globalThis as { addEventListener?: unknown }).addEventListener === 'function'
  const hasDocument = typeof (globalThis as { document?: unknown }).document === 'object'
  return hasWindowEvents && hasDocument ? browserEnvironment() : staticEnvironment()
}
