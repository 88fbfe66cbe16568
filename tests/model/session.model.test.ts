import { afterAll, beforeAll, expect, test } from 'vitest'
import { sessionMachine } from '../../machines/session.machine.js'
import { createDriver, executionRecorder } from './driver.js'
import { eventsOf, sessionModel, transitionsTaken } from './session.model.js'
import { definedStates, definedTransitions } from './transitions.js'
import { createWorld, type World } from './world.js'

/**
 * Model-based proof: `xstate/graph` walks the production statechart and
 * generates the shortest path to every model state; each path is then played
 * against a real session (real HTTP server on 127.0.0.1, real adapters), and
 * after every step the real actor must be in the state the model predicts.
 * Coverage of states and transitions is computed from the machine's own
 * definition and from what the real actors executed, never hard-coded.
 */
const paths = sessionModel.getShortestPaths()
const states = definedStates(sessionMachine)
const transitions = definedTransitions(sessionMachine)
const executed = executionRecorder()
let world: World

beforeAll(async () => {
  world = await createWorld()
})
afterAll(async () => {
  await world.close()
})

test('the generated paths take every state and every transition of the machine', () => {
  const planned = new Set(paths.flatMap((path) => [...transitionsTaken(eventsOf(path))]))
  expect([...transitions].filter((key) => !planned.has(key))).toEqual([])
})

/** A path's title: the events it plays and the state it must reach, without payloads (those are in the failure report). */
const titleOf = (path: (typeof paths)[number]) =>
  `${eventsOf(path)
    .map((event) => event.type)
    .join(' > ')} => ${JSON.stringify(path.state.value)}`

test.each(paths.map((path, index) => [`${index + 1}: ${titleOf(path)}`, path] as const))('%s', async (_, path) => {
  const session = world.createSession({ inspect: (event) => executed.inspect(event) })
  await path.test(createDriver(world, session))
})

test('the real actors executed 100% of the states and transitions', () => {
  const missingStates = [...states].filter((id) => !executed.states.has(id))
  const missingTransitions = [...transitions].filter((key) => !executed.transitions.has(key))
  const statePercent = (100 * (states.size - missingStates.length)) / states.size
  const transitionPercent = (100 * (transitions.size - missingTransitions.length)) / transitions.size
  console.log(
    `model-based coverage: ${paths.length} paths played against real sessions; ` +
      `states ${states.size - missingStates.length}/${states.size} (${statePercent}%), ` +
      `transitions ${transitions.size - missingTransitions.length}/${transitions.size} (${transitionPercent}%)`,
  )
  expect(missingStates).toEqual([])
  expect(missingTransitions).toEqual([])
})
