/** The charts' colours: the library stands out, peers recede, raw is the dark floor. */
import { LIBRARY, type ContenderName } from './contenders.js'

/** One colour per role in a chart. */
export const COLORS = {
  library: '#2b6cb0',
  peer: '#a0aec0',
  raw: '#4a5568',
  bad: '#e53e3e',
  good: '#38a169',
  target: '#d69e2e',
}

/** A contender's bar colour. */
export const colorOf = (contender: ContenderName): string =>
  contender === LIBRARY ? COLORS.library : contender === 'raw' ? COLORS.raw : COLORS.peer
