// The page an inspected example sends its inspection events to, in an iframe:
// @statelyai/inspect's own receiver, collecting what arrives for the test to read.
import { createBrowserReceiver } from '@statelyai/inspect'

const received: unknown[] = []
createBrowserReceiver().subscribe((event) => received.push(event))
Object.assign(globalThis, { received })
