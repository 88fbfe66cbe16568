/**
 * The smallest cookie jar that gets a scripted browser through oidc-provider's interactions:
 * it keeps the latest value per cookie name and drops cookies the server expires.
 * It ignores Path and Domain on purpose: one jar talks to one loopback server, one step at a
 * time, so sending a cookie to a path it was not scoped to is harmless.
 */
export class CookieJar {
  readonly #values = new Map<string, string>()

  /** Takes in every `Set-Cookie` header of a response. */
  store(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';')
      const separator = pair.indexOf('=')
      if (separator <= 0) continue
      const name = pair.slice(0, separator).trim()
      const value = pair.slice(separator + 1).trim()
      if (value === '' || attributes.some(isExpiring)) this.#values.delete(name)
      else this.#values.set(name, value)
    }
  }

  /** The `Cookie` request header value, or `undefined` when the jar is empty. */
  header(): string | undefined {
    if (this.#values.size === 0) return undefined
    return [...this.#values].map(([name, value]) => `${name}=${value}`).join('; ')
  }
}

function isExpiring(attribute: string): boolean {
  const [name = '', value = ''] = attribute.split('=').map((part) => part.trim())
  switch (name.toLowerCase()) {
    case 'max-age':
      return Number(value) <= 0
    case 'expires':
      return Date.parse(value) <= Date.now()
    default:
      return false
  }
}
