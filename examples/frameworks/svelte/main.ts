import { mount } from 'svelte'
import { TOKEN_SESSION } from 'token-refresh-machine/svelte'
import { createExampleSession, loadExampleConfig } from '../shared/example-session.js'
import { inspectorFromQuery } from '../shared/inspector.js'
import '../shared/example.css'
import App from './App.svelte'

// The session exists before Svelte mounts, once per page; components get it from the context.
void loadExampleConfig().then((config) => {
  const session = createExampleSession(config, inspectorFromQuery())
  mount(App, { target: document.getElementById('app')!, props: { config }, context: new Map([[TOKEN_SESSION, session]]) })
})
