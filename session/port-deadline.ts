import type { Awaitable, Clock } from '../machines/ports.js'

/** What a bounded call into a user port came to. Never a rejection. */
export type PortResult<T> = { ok: true; value: T } | { ok: false; timedOut: boolean; error: unknown }

/**
 * Calls `call` (a port the user supplied: sync or async, it may throw, reject
 * or never answer) and settles within `ms`. A late answer is ignored.
 */
export function withinDeadline<T>(call: () => Awaitable<T>, ms: number, clock: Pick<Clock, 'setTimer'>): Promise<PortResult<T>> {
  return new Promise((resolve) => {
    let done = false
    const finish = (result: PortResult<T>) => {
      if (done) return
      done = true
      stop()
      resolve(result)
    }
    const stop = clock.setTimer(ms, () =>
      finish({ ok: false, timedOut: true, error: new DOMException(`No answer within ${ms} ms.`, 'TimeoutError') }),
    )
    try {
      Promise.resolve(call()).then(
        (value) => finish({ ok: true, value }),
        (error: unknown) => finish({ ok: false, timedOut: false, error }),
      )
    } catch (error) {
      finish({ ok: false, timedOut: false, error })
    }
  })
}
