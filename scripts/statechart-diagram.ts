import { writeFileSync } from 'node:fs'
import { sessionMachine } from '../machines/session.machine.js'
import { renderStatechartDoc } from './statechart-doc.js'

const path = new URL('../docs/statechart.md', import.meta.url)
writeFileSync(path, renderStatechartDoc(sessionMachine))
console.log(`wrote ${path.pathname}`)
