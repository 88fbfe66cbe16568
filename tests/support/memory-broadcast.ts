import type { Broadcast, BroadcastMessage } from '../../machines/ports.js'

/** A bus of in-memory broadcasts: each `join()` is one tab or process; none hears its own messages. */
export function memoryBroadcastBus() {
  const members = new Set<{ listeners: Set<(message: BroadcastMessage) => void> }>()
  return {
    join(): Broadcast {
      const member = { listeners: new Set<(message: BroadcastMessage) => void>() }
      members.add(member)
      return {
        publish(message) {
          // Structured clone, as BroadcastChannel does: no shared references between members.
          for (const other of members)
            if (other !== member) for (const listener of other.listeners) listener(structuredClone(message))
        },
        subscribe(listener) {
          member.listeners.add(listener)
          return () => member.listeners.delete(listener)
        },
        close: () => void members.delete(member),
      }
    },
  }
}
