import type { IncomingMessage } from 'node:http'
import { buildSchema, graphql } from 'graphql'
import { closeServer, listenOnLoopback, originOf } from './loopback.js'
import { tokenVerifier } from './token-verifier.js'

const schema = buildSchema('type Query { me: String, n: Int }')

/**
 * A small real GraphQL endpoint (graphql-js) on loopback, as Apollo Server
 * answers: a missing, invalid or expired access token is `200` with
 * `errors[0].extensions.code = "UNAUTHENTICATED"`, never a 401.
 */
export async function startGraphqlServer(options: { issuer: string; jwksUri: string; audience: string }) {
  const verify = await tokenVerifier(options)
  const counts = { queries: 0, unauthenticated: 0, answered: 0 }
  let n = 0
  const server = await listenOnLoopback((request, response) => {
    void (async () => {
      const body = JSON.parse(await readBody(request)) as { query?: string }
      counts.queries++
      const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1]
      const claims = await verify(token)
      const json = (value: unknown) =>
        void response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(value))
      if (claims === null) {
        counts.unauthenticated++
        json({ errors: [{ message: 'Unauthenticated', extensions: { code: 'UNAUTHENTICATED' } }] })
        return
      }
      counts.answered++
      json(await graphql({ schema, source: body.query ?? '', rootValue: { me: claims.sub, n: ++n } }))
    })()
  })
  const url = `${originOf(server)}/graphql`
  return { url, origin: originOf(server), counts, close: () => closeServer(server) }
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of request) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}
