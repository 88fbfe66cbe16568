import { readFileSync } from 'node:fs'
import { expect, test } from 'vitest'
import { sessionMachine } from '../../machines/session.machine.js'
import { renderStatechartDoc } from '../../scripts/statechart-doc.js'

test('docs/statechart.md is generated from the current machine (run `npm run docs:statechart`)', () => {
  const onDisk = readFileSync(new URL('../../docs/statechart.md', import.meta.url), 'utf8')
  expect(onDisk).toBe(renderStatechartDoc(sessionMachine))
})
