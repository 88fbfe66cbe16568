import { createBrowserInspector } from '@statelyai/inspect'
import type { TokenSessionOptions } from 'token-refresh-machine'

/**
 * With `?inspect=URL` the page shows its session to a Stately inspector:
 * `?inspect=https://stately.ai/inspect` opens the hosted one in a window; the
 * browser test points it at a local receiver in an iframe instead.
 */
export function inspectorFromQuery(): TokenSessionOptions['inspect'] {
  const url = new URLSearchParams(location.search).get('inspect')
  if (url === null) return undefined
  const local = new URL(url, location.href).origin === location.origin
  const iframe = local ? document.body.appendChild(document.createElement('iframe')) : null
  if (iframe) iframe.hidden = true
  return createBrowserInspector({ url, iframe }).inspect
}
