/** Horizontal bar charts as standalone SVG, drawn from numbers only. */

export interface BarSegment {
  value: number
  color: string
  /** Shown in the legend. */
  name?: string
}

export interface BarRow {
  label: string
  /** Stacked left to right. */
  segments: BarSegment[]
  /** Whisker over the total: the range across trials. */
  range?: { min: number; max: number }
  /** Text after the bar. */
  note?: string
  bold?: boolean
}

export interface BarChart {
  title: string
  subtitle?: string
  unit: string
  rows: BarRow[]
  /** Vertical reference lines, such as a target. */
  lines?: { value: number; label: string; color: string }[]
}

const escape = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')

/** A tick step of 1, 2 or 5 times a power of ten giving about five ticks. */
function tickStep(max: number): number {
  const rough = max / 5
  const power = 10 ** Math.floor(Math.log10(rough))
  const fraction = rough / power
  return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * power
}

const formatTick = (value: number): string =>
  value >= 1000 ? `${Number((value / 1000).toFixed(1))}k` : String(Number(value.toFixed(2)))

export function barChart(chart: BarChart): string {
  const width = 760
  const left = 190
  const right = 170
  // Room for the reference lines' labels under the subtitle.
  const top = (chart.subtitle === undefined ? 44 : 62) + ((chart.lines ?? []).length > 0 ? 14 : 0)
  const rowHeight = 30
  const plotWidth = width - left - right
  const legend = [
    ...new Map(
      chart.rows.flatMap((row) => row.segments).flatMap((s) => (s.name === undefined ? [] : [[s.name, s.color] as const])),
    ),
  ]
  const height = top + chart.rows.length * rowHeight + 34 + (legend.length > 0 ? 22 : 0)
  const totals = chart.rows.map((row) => row.segments.reduce((sum, s) => sum + Math.max(0, s.value), 0))
  const maxValue = Math.max(
    ...totals,
    ...chart.rows.map((row) => row.range?.max ?? 0),
    ...(chart.lines ?? []).map((line) => line.value),
    Number.MIN_VALUE,
  )
  const step = tickStep(maxValue)
  const axisMax = Math.ceil(maxValue / step) * step
  const x = (value: number) => left + (Math.max(0, value) / axisMax) * plotWidth
  const bottom = top + chart.rows.length * rowHeight

  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, 'Segoe UI', sans-serif" font-size="13">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="12" y="24" font-size="16" font-weight="600" fill="#1a202c">${escape(chart.title)}</text>`,
  ]
  if (chart.subtitle !== undefined) parts.push(`<text x="12" y="44" fill="#4a5568">${escape(chart.subtitle)}</text>`)

  for (let tick = 0; tick <= axisMax + step / 2; tick += step) {
    const tx = x(tick).toFixed(1)
    parts.push(`<line x1="${tx}" y1="${top - 4}" x2="${tx}" y2="${bottom}" stroke="#edf2f7"/>`)
    parts.push(`<text x="${tx}" y="${bottom + 16}" text-anchor="middle" fill="#718096" font-size="11">${formatTick(tick)}</text>`)
  }
  parts.push(
    `<text x="${left + plotWidth / 2}" y="${bottom + 31}" text-anchor="middle" fill="#4a5568">${escape(chart.unit)}</text>`,
  )

  chart.rows.forEach((row, index) => {
    const y = top + index * rowHeight
    const weight = row.bold === true ? ' font-weight="600"' : ''
    parts.push(
      `<text x="${left - 8}" y="${y + rowHeight / 2 + 4}" text-anchor="end" fill="#1a202c"${weight}>${escape(row.label)}</text>`,
    )
    let start = 0
    for (const segment of row.segments) {
      const value = Math.max(0, segment.value)
      if (value > 0) {
        const x0 = x(start)
        parts.push(
          `<rect x="${x0.toFixed(1)}" y="${y + 6}" width="${Math.max(1, x(start + value) - x0).toFixed(1)}" height="${rowHeight - 12}" fill="${segment.color}" rx="2"/>`,
        )
      }
      start += value
    }
    if (row.range !== undefined && row.range.max > row.range.min) {
      const [x1, x2, cy] = [x(row.range.min), x(row.range.max), y + rowHeight / 2]
      parts.push(
        `<path d="M${x1.toFixed(1)} ${cy}H${x2.toFixed(1)}M${x1.toFixed(1)} ${cy - 5}V${cy + 5}M${x2.toFixed(1)} ${cy - 5}V${cy + 5}" stroke="#1a202c" stroke-width="1.2" fill="none"/>`,
      )
    }
    if (row.note !== undefined) {
      const noteX = Math.max(x(start), row.range === undefined ? 0 : x(row.range.max)) + 6
      parts.push(
        `<text x="${noteX.toFixed(1)}" y="${y + rowHeight / 2 + 4}" fill="#2d3748" font-size="12">${escape(row.note)}</text>`,
      )
    }
  })

  for (const line of chart.lines ?? []) {
    const lx = x(line.value).toFixed(1)
    parts.push(
      `<line x1="${lx}" y1="${top - 8}" x2="${lx}" y2="${bottom}" stroke="${line.color}" stroke-width="1.5" stroke-dasharray="5 3"/>`,
    )
    parts.push(
      `<text x="${lx}" y="${top - 11}" text-anchor="middle" fill="${line.color}" font-size="11">${escape(line.label)}</text>`,
    )
  }

  let legendX = left
  for (const [name, color] of legend) {
    const ly = bottom + 44
    parts.push(`<rect x="${legendX}" y="${ly - 10}" width="12" height="12" fill="${color}" rx="2"/>`)
    parts.push(`<text x="${legendX + 17}" y="${ly}" fill="#2d3748" font-size="12">${escape(name)}</text>`)
    legendX += 30 + name.length * 7
  }
  parts.push('</svg>')
  return `${parts.join('\n')}\n`
}
