/**
 * The latest `DPoP-Nonce` of each origin (RFC 9449 §8, §9). Authorization
 * servers and resource servers each send their own, and may send a new one
 * on any answer, so every answer updates it.
 */
export interface DpopNonces {
  /** The nonce to put in the next proof for `url`'s origin, if that origin sent one. */
  for(url: string | URL): string | undefined
  /** Keeps the answer's `DPoP-Nonce`, if it has one; true when it is new for the origin. */
  heard(url: string | URL, headers: { get(name: string): string | null }): boolean
}

/** RFC 9449 §8.1: a nonce is 1*NQCHAR, printable ASCII without `"` and `\`. */
const NONCE = /^[\x21\x23-\x5B\x5D-\x7E]{1,512}$/

export function dpopNonces(): DpopNonces {
  const byOrigin = new Map<string, string>()
  return {
    for: (url) => byOrigin.get(new URL(url).origin),
    heard(url, headers) {
      const nonce = headers.get('dpop-nonce')
      if (nonce === null || !NONCE.test(nonce)) return false
      const origin = new URL(url).origin
      if (byOrigin.get(origin) === nonce) return false
      byOrigin.set(origin, nonce)
      return true
    },
  }
}
