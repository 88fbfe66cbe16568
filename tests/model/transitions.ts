import type { AnyStateMachine, AnyStateNode, AnyTransitionDefinition } from 'xstate'
import { getStateNodes } from 'xstate/graph'

/** A transition's identity, stable across `machine.provide()`: source, event, and its rank among candidates. */
export function transitionKey(transition: AnyTransitionDefinition): string {
  const source = transition.source as unknown as AnyStateNode
  const event = transition.eventType as string
  const candidates = event === '' ? (source.always ?? []) : (source.transitions.get(event) ?? [])
  return `${source.id} --${event === '' ? 'always' : event}[${candidates.indexOf(transition)}]-->`
}

/** Every transition the machine defines, read from its own definition: one per candidate, guarded ones included. */
export function definedTransitions(machine: AnyStateMachine): Set<string> {
  const keys = new Set<string>()
  for (const node of [machine.root, ...getStateNodes(machine.root)] as AnyStateNode[]) {
    for (const candidates of node.transitions.values()) for (const transition of candidates) keys.add(transitionKey(transition))
    for (const transition of node.always ?? []) keys.add(transitionKey(transition))
  }
  return keys
}

/** Every state node below the root. */
export function definedStates(machine: AnyStateMachine): Set<string> {
  return new Set(getStateNodes(machine.root).map((node) => node.id))
}
