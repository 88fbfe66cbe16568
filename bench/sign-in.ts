/** A contender signed in against the benchmark's servers, which start each trial from a clean slate. */
import { createContender, type Contender } from './contenders.js'
import type { TrialContext } from './scenario.js'
import { controlClient, type ControlClient, type ServerConfig, type ServerUrls } from './servers.js'

/** What a trial against the servers works with. */
export interface SignedIn {
  contender: Contender
  control: ControlClient
  urls: ServerUrls
}

/** Resets both servers to `config`, issues a fresh grant and hands it to the trial's contender. */
export async function signIn(context: TrialContext, config: Partial<ServerConfig>): Promise<SignedIn> {
  const { urls } = context
  if (urls === undefined) throw new Error('this scenario needs the servers: set needsServers')
  const control = controlClient(urls)
  await control.reset(config)
  const tokens = await control.issue()
  const contender = await createContender(context.contender, {
    tokenUrl: urls.token,
    resourceOrigin: urls.resourceOrigin,
    tokens,
    readBody: true,
  })
  return { contender, control, urls }
}
