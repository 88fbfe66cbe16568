import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { TokenSessionProvider } from 'token-refresh-machine/react'
import { createExampleSession, loadExampleConfig } from '../shared/example-session.js'
import { inspectorFromQuery } from '../shared/inspector.js'
import '../shared/example.css'
import { App } from './App.js'

// The session exists before React renders, once per page: StrictMode's double
// renders and effects cannot make a second one, and a server render would not make one at all.
void loadExampleConfig().then((config) => {
  const session = createExampleSession(config, inspectorFromQuery())
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <TokenSessionProvider session={session}>
        <App config={config} />
      </TokenSessionProvider>
    </StrictMode>,
  )
})
