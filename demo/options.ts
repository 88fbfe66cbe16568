import { parseArgs } from 'node:util'

export interface DemoOptions {
  durationSeconds: number
  /** Redraw a live panel (a terminal) or print one line per event (logs, pipes, `--plain`). */
  live: boolean
  inspect: boolean
  /** Refresh only on 401 (no proactive refresh), to watch the library recover expired tokens. */
  reactive: boolean
  /** 0: any free port. */
  inspectPort: number
  help: boolean
}

export const USAGE = `Usage: npm run demo -- [options]

  --duration <seconds>   how long the run lasts, 12 to 300 (default 24)
  --plain                one line per event instead of the live panel
                         (the default when stdout is not a terminal)
  --inspect              publish the live statechart to the Stately inspector:
                         open the printed URL in a browser
  --inspect-port <port>  port of the local inspector page (default: any free port)
  --reactive             refresh only when a request meets a 401 (proactive refresh off),
                         to watch concurrent 401s recovered by one refresh and one replay each
  --help                 show this text`

function wholeNumber(flag: string, value: string, min: number, max: number): number {
  const number = Number(value)
  if (!Number.isInteger(number) || number < min || number > max) {
    throw new Error(`${flag} takes a whole number from ${min} to ${max}, not "${value}".`)
  }
  return number
}

/** Reads the command line; throws an Error whose message says what to fix. */
export function parseDemoOptions(args: string[], stdoutIsTerminal: boolean): DemoOptions {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      duration: { type: 'string', default: '24' },
      plain: { type: 'boolean', default: false },
      inspect: { type: 'boolean', default: false },
      reactive: { type: 'boolean', default: false },
      'inspect-port': { type: 'string', default: '0' },
      help: { type: 'boolean', default: false },
    },
  })
  return {
    durationSeconds: wholeNumber('--duration', values.duration, 12, 300),
    live: stdoutIsTerminal && !values.plain,
    inspect: values.inspect,
    reactive: values.reactive,
    inspectPort: wholeNumber('--inspect-port', values['inspect-port'], 0, 65_535),
    help: values.help,
  }
}
