import { readFileSync } from 'node:fs'
import { and, createActor, createMachine, getNextSnapshot, not, or } from 'xstate'
import { expect, test } from 'vitest'
import { sessionMachine } from '../../machines/session.machine.js'
import { renderGuard, renderStatechartDoc } from '../../scripts/statechart-doc.js'
import { definedTransitions } from '../model/transitions.js'

test('docs/statechart.md is generated from the current machine (run `npm run docs:statechart`)', () => {
  const onDisk = readFileSync(new URL('../../docs/statechart.md', import.meta.url), 'utf8')
  expect(onDisk).toBe(renderStatechartDoc(sessionMachine))
})

/**
 * Evaluates a rendered guard expression (names, `!`, `&&`, `||`, parentheses)
 * with each name set to its value in `truth`: a small recursive-descent
 * reader, independent of the renderer.
 */
function evaluate(expression: string, truth: Record<string, boolean>): boolean {
  const tokens = expression.match(/[A-Za-z]+|&&|\|\||!|\(|\)/g) ?? []
  let at = 0
  const primary = (): boolean => {
    const token = tokens[at++]
    if (token === '!') return !primary()
    if (token === '(') {
      const value = disjunction()
      at++ // ')'
      return value
    }
    return truth[token ?? ''] === true
  }
  const conjunction = (): boolean => {
    let value = primary()
    while (tokens[at] === '&&') {
      at++
      value = primary() && value
    }
    return value
  }
  const disjunction = (): boolean => {
    let value = conjunction()
    while (tokens[at] === '||') {
      at++
      value = conjunction() || value
    }
    return value
  }
  return disjunction()
}

// The test reads the guards from XState itself, not from the generator: for
// every assignment of truth to the atoms, the machine's own choice of
// transition must agree with the rendered expression.
test.each([
  ['and with a not', and(['a', not('b')])],
  ['or of an and and a not-or', or([and(['a', 'b']), not(or(['c', 'a']))])],
  ['not of an and with a not', not(and(['a', not('c')]))],
  ['three levels', and([or(['a', not('b')]), not(and(['b', or(['c', not('a')])]))])],
])('a composite guard (%s) is rendered as the boolean expression XState evaluates', (_, guard) => {
  const machine = createMachine({
    types: {} as { context: { truth: Record<string, boolean> } },
    context: { truth: {} },
    initial: 'from',
    states: { from: { on: { go: { guard, target: 'to' } } }, to: {} },
  }).provide({
    guards: {
      a: ({ context }) => context.truth.a === true,
      b: ({ context }) => context.truth.b === true,
      c: ({ context }) => context.truth.c === true,
    },
  })
  const rendered = renderGuard(guard)
  for (let bits = 0; bits < 8; bits++) {
    const truth = { a: (bits & 1) > 0, b: (bits & 2) > 0, c: (bits & 4) > 0 }
    const start = createActor(machine).getSnapshot()
    const taken = getNextSnapshot(machine, { ...start, context: { truth } } as typeof start, { type: 'go' }).value === 'to'
    expect(evaluate(rendered, truth), `${rendered} with ${JSON.stringify(truth)}`).toBe(taken)
  }
})

test("every guard of the session machine is rendered by the name it is registered under in the machine's own definition", () => {
  const doc = renderStatechartDoc(sessionMachine)
  const names = new Set(Object.keys(sessionMachine.implementations.guards))
  // The guard column of the transition table: | state | `event` | `guard` | target | actions |
  const table = doc.slice(doc.indexOf('## Every transition'), doc.indexOf('## Entry and exit actions'))
  const rendered = table
    .split('\n')
    .filter((line) => line.startsWith('| ') && line.includes('` |'))
    .map((line) => line.split(' | ')[2]?.replace(/`/g, '').replace(/\(.*$/, '') ?? '')
    .filter((guard) => guard !== '' && guard !== 'otherwise' && guard !== 'guard')
  expect(rendered.length).toBeGreaterThan(10)
  for (const name of rendered) expect(names.has(name), name).toBe(true)
  expect(doc).toContain(`${definedTransitions(sessionMachine).size} transitions`)
})
