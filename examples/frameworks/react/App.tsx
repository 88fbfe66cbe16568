import { Profiler, useEffect, useState } from 'react'
import { useSessionStatus, useTokenSession } from 'token-refresh-machine/react'
import { countLoad, loadItems, probe, signInWithLogin, type ExampleConfig, type ItemList } from '../shared/example-session.js'

function StatusBadge() {
  const status = useSessionStatus() // re-renders only when the status changes
  return (
    <output className="status" data-testid="status" data-status={status}>
      {status}
    </output>
  )
}

function Items({ config }: { config: ExampleConfig }) {
  const session = useTokenSession()
  const status = useSessionStatus()
  const signedIn = status === 'active' || status === 'refreshing'
  const [list, setList] = useState<ItemList | null>(null)
  const [loads, setLoads] = useState({ ok: 0, failed: 0 })

  useEffect(() => {
    if (!signedIn) return
    const controller = new AbortController()
    const load = () =>
      loadItems(session, config, controller.signal).then(
        (next) => {
          countLoad('ok')
          setList(next)
          setLoads((seen) => ({ ...seen, ok: seen.ok + 1 }))
        },
        () => {
          if (controller.signal.aborted) return
          countLoad('failed')
          setLoads((seen) => ({ ...seen, failed: seen.failed + 1 }))
        },
      )
    void load()
    const timer = setInterval(() => void load(), config.loadEveryMs)
    return () => {
      clearInterval(timer)
      controller.abort()
    }
  }, [signedIn, session, config])

  if (!signedIn) return null
  return (
    <section>
      <ul data-testid="items">
        {list?.items.map((item) => (
          <li key={item.id}>{item.name}</li>
        ))}
      </ul>
      <p className="loads" data-testid="loads">
        {list ? `signed in as ${list.sub} · ` : ''}
        {loads.ok} loads ok · {loads.failed} failed
      </p>
    </section>
  )
}

export function App({ config }: { config: ExampleConfig }) {
  const session = useTokenSession()
  useEffect(() => void probe.mountEffects++, [])
  return (
    <main>
      <h1>token-refresh-machine · React</h1>
      <p>
        Session:{' '}
        <Profiler id="status" onRender={() => probe.renders++}>
          <StatusBadge />
        </Profiler>
      </p>
      <button data-testid="sign-in" onClick={() => void signInWithLogin(session, config)}>
        Sign in
      </button>
      <button data-testid="sign-out" onClick={() => void session.signOut()}>
        Sign out
      </button>
      <Items config={config} />
    </main>
  )
}
