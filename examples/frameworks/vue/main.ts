import { createApp } from 'vue'
import { tokenSession } from 'token-refresh-machine/vue'
import { createExampleSession, loadExampleConfig } from '../shared/example-session.js'
import { inspectorFromQuery } from '../shared/inspector.js'
import '../shared/example.css'
import App from './App.vue'

// The session exists before Vue mounts, once per page; the plugin provides it to every component.
void loadExampleConfig().then((config) => {
  const session = createExampleSession(config, inspectorFromQuery())
  createApp(App, { config }).use(tokenSession(session)).mount('#app')
})
