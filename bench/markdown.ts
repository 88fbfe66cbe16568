/** Formatting numbers and tables for markdown and the terminal. */
import { LIBRARY, type ContenderName } from './contenders.js'
import { round, type Spread } from './stats.js'

/** A number for display: 3 significant digits, thousands separated from 10,000 on, `n/a` when unknown. */
export const number = (value: number): string => {
  if (!Number.isFinite(value)) return 'n/a'
  const rounded = round(value)
  return Math.abs(rounded) >= 10_000 ? rounded.toLocaleString('en-US') : String(rounded)
}

/** "median (min–max)", or just the value when every trial agrees. */
export function cell(s: Spread, scale = 1): string {
  if (s.n === 0) return 'n/a'
  const [median, min, max] = [s.median * scale, s.min * scale, s.max * scale]
  if (s.n === 1 || number(min) === number(max)) return number(median)
  return `${number(median)} (${number(min)}–${number(max)})`
}

/** Bytes as kB with two decimals, as bundle sizes are quoted. */
export const kilobytes = (bytes: number): string => `${(bytes / 1000).toFixed(2)} kB`

/** Numbers right-aligned, text left-aligned: a column is numeric when every non-empty cell starts like a number. */
export function table(header: string[], rows: string[][]): string {
  const numeric = header.map((_, i) =>
    rows.every((row) => {
      const value = (row[i] ?? '').replace(/\*/g, '')
      return value === '' || /^[-\d(]|^n\/a/.test(value)
    }),
  )
  const lines = [`| ${header.join(' | ')} |`, `| ${header.map((_, i) => (numeric[i] === true ? '---:' : '---')).join(' | ')} |`]
  for (const row of rows) lines.push(`| ${row.join(' | ')} |`)
  return lines.join('\n')
}

/** A contender's name in a table, the library in bold. */
export const label = (contender: ContenderName): string => (contender === LIBRARY ? `**${contender}**` : contender)

/** `10000` as `10k`, for memory checkpoints. */
export const thousands = (count: number): string => `${count / 1000}k`
