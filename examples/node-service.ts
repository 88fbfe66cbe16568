/**
 * A Node service calling an API on behalf of one grant, as a confidential
 * client. Run against your own authorization server:
 *
 *   TOKEN_URL=... CLIENT_ID=... CLIENT_SECRET=... REFRESH_TOKEN=... API_URL=... npx tsx examples/node-service.ts
 */
import { createTokenSession, isRefreshError, oauth2TokenEndpoint } from '../index.js'

function required(name: string): string {
  const value = process.env[name]
  if (!value) throw new Error(`set ${name}`)
  return value
}

async function main(): Promise<void> {
  const apiUrl = new URL(required('API_URL'))
  const session = createTokenSession({
    tokenEndpoint: oauth2TokenEndpoint({
      url: required('TOKEN_URL'),
      clientId: required('CLIENT_ID'),
      clientSecret: required('CLIENT_SECRET'),
    }),
    allowedOrigins: [apiUrl.origin],
  })
  session.on('refreshed', ({ generation }) => console.log(`tokens refreshed (generation ${generation})`))
  session.on('expired', () => console.log('the grant is gone: re-authorize this service'))

  // An expired access token is fine: the first 401 refreshes it.
  await session.signIn({ access_token: 'expired', token_type: 'Bearer', refresh_token: required('REFRESH_TOKEN') })
  try {
    const responses = await Promise.all(Array.from({ length: 10 }, () => session.fetch(apiUrl)))
    console.log(responses.map((response) => response.status).join(' '))
  } catch (error) {
    if (isRefreshError(error)) console.error(`refresh failed (${error.code}); the session is kept, try again later`)
    else throw error
  }
}

if (process.argv[1]?.endsWith('node-service.ts')) await main()
