/** Times the library's XState actor from outside, through its public `session.actor`. */
import { performance } from 'node:perf_hooks'
import type { Contender } from './contenders.js'

/** Wall time inside the library's `actor.send`, from an extra timed pass. */
export interface ActorTiming {
  usPerRequest: number
  eventsPerRequest: number
}

/**
 * For this library only: `requests` more sequential requests with the actor's
 * `send` timed, after the measured rounds (the timing wrapper costs a little).
 * Undefined for the other contenders or if the session stops sending through
 * `actor.send`.
 */
export async function timeActor(contender: Contender, url: string, requests: number): Promise<ActorTiming | undefined> {
  const actor = contender.actor as { send?: (event: unknown) => void } | undefined
  const send = actor?.send
  if (actor === undefined || typeof send !== 'function') return undefined
  const own = Object.prototype.hasOwnProperty.call(actor, 'send')
  let spentMs = 0
  let events = 0
  actor.send = (event: unknown) => {
    const started = performance.now()
    try {
      send.call(actor, event)
    } finally {
      spentMs += performance.now() - started
      events++
    }
  }
  try {
    for (let i = 0; i < requests; i++) await contender.get(url)
  } finally {
    if (own) actor.send = send
    else delete actor.send
  }
  return events === 0 ? undefined : { usPerRequest: (spentMs * 1000) / requests, eventsPerRequest: events / requests }
}
