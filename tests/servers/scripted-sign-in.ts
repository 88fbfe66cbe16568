import { createHash, randomBytes } from 'node:crypto'

import { CookieJar } from './cookie-jar.js'

/** What a scripted user needs to know about the authorization server and the client. */
export interface SignInTarget {
  authorizationEndpoint: string
  tokenEndpoint: string
  clientId: string
  redirectUri: string
  resource: string
  scope: string
  /** The login typed into devInteractions' form; it becomes the token's `sub`. */
  accountId: string
  /** What sends the code exchange: a `dpopFetch` binds the grant to its key (RFC 9449 §5). */
  fetch?: typeof fetch
}

/** devInteractions never needs more: login, consent, back to the client. */
const MAX_STEPS = 12

/**
 * Runs the authorization-code flow with PKCE (RFC 7636) the way a browser would, over plain
 * HTTP against oidc-provider's devInteractions: follows redirects by hand, keeps cookies,
 * submits the login and consent forms, then reads the code from the redirect to the client
 * (which is never called) and exchanges it at the token endpoint.
 *
 * @returns the raw RFC 6749 §5.1 token response
 */
export async function signInWithPkce(target: SignInTarget): Promise<Record<string, unknown>> {
  const { code, verifier } = await authorizeWithPkce(target)
  const response = await (target.fetch ?? fetch)(target.tokenEndpoint, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: target.redirectUri,
      client_id: target.clientId,
      code_verifier: verifier,
    }),
  })
  const body = (await response.json()) as Record<string, unknown>
  if (!response.ok) throw new Error(`sign-in: token endpoint answered ${response.status} ${JSON.stringify(body)}`)
  return body
}

/**
 * The front channel alone: login and consent, up to the code the browser
 * would bring back, and its PKCE verifier. For a client that makes the code
 * exchange itself (a browser page binding the grant to its own DPoP key).
 */
export async function authorizeWithPkce(target: SignInTarget): Promise<{ code: string; verifier: string }> {
  const verifier = randomBytes(32).toString('base64url')
  const state = randomBytes(16).toString('base64url')
  const authorization = new URL(target.authorizationEndpoint)
  authorization.search = new URLSearchParams({
    client_id: target.clientId,
    response_type: 'code',
    redirect_uri: target.redirectUri,
    scope: target.scope,
    resource: target.resource,
    state,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    // OIDC Core §11: offline_access (and so a refresh token) is ignored without prompt=consent.
    prompt: 'consent',
  }).toString()

  const redirect = await walkToClient(authorization, target)
  if (redirect.searchParams.get('state') !== state) throw new Error(`sign-in: state mismatch in ${redirect.href}`)
  const code = redirect.searchParams.get('code')
  if (code === null) throw new Error(`sign-in: no code in ${redirect.href}`)
  return { code, verifier }
}

/** Follows the front channel until the authorization server sends the browser back to the client. */
async function walkToClient(start: URL, target: SignInTarget): Promise<URL> {
  const jar = new CookieJar()
  let url = start
  let form: URLSearchParams | undefined
  for (let step = 0; step < MAX_STEPS; step += 1) {
    const cookie = jar.header()
    const response = await fetch(url, {
      redirect: 'manual',
      ...(form === undefined ? {} : { method: 'POST', body: form }),
      headers: cookie === undefined ? {} : { cookie },
    })
    jar.store(response)
    const body = await response.text()
    form = undefined

    const location = response.headers.get('location')
    if (response.status >= 300 && response.status < 400 && location !== null) {
      url = new URL(location, url)
      if (url.href.startsWith(target.redirectUri)) return url
      continue
    }
    const prompt = response.status === 200 ? /name="prompt" value="(\w+)"/.exec(body)?.[1] : undefined
    if (prompt === 'login') form = new URLSearchParams({ prompt, login: target.accountId, password: 'any' })
    else if (prompt === 'consent') form = new URLSearchParams({ prompt })
    else throw new Error(`sign-in: unexpected ${response.status} at ${url.href}: ${body.slice(0, 300)}`)
  }
  throw new Error(`sign-in: no redirect to ${target.redirectUri} after ${MAX_STEPS} steps`)
}
