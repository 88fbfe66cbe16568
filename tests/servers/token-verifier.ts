import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose'

/** Verifies RFC 9068 JWT access tokens of one issuer and audience; resolves the claims, or null. */
export async function tokenVerifier(options: { issuer: string; jwksUri: string; audience: string }) {
  const keys = createRemoteJWKSet(new URL(options.jwksUri))
  await keys.reload()
  return async (token: string | undefined | null): Promise<JWTPayload | null> => {
    if (!token) return null
    try {
      const { payload } = await jwtVerify(token, keys, { issuer: options.issuer, audience: options.audience, typ: 'at+jwt' })
      return payload
    } catch {
      return null
    }
  }
}
