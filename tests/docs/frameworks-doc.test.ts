import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect, test } from 'vitest'
import { root, typecheck, type Snippet } from './typecheck-snippets.js'

// docs/frameworks.md shows the examples' real code: each block marked as an
// excerpt is found, as it is, in its file (which the suite builds and runs);
// every other TypeScript block compiles against the public entry.

const file = 'docs/frameworks.md'
const text = readFileSync(join(root, file), 'utf8')
const lineOf = (index: number) => `${file}:${text.slice(0, index).split('\n').length}`

const excerpts = [...text.matchAll(/<!-- excerpt: (\S+) -->\n\n```\w+\n([\s\S]*?)```/g)].map((match) => ({
  where: lineOf(match.index),
  source: match[1]!,
  code: match[2]!,
}))
const snippets: Snippet[] = [...text.matchAll(/(?<!-->\n\n)```ts\n([\s\S]*?)```/g)].map((match) => ({
  where: lineOf(match.index),
  code: match[1]!,
}))

test('every framework shows code from its example', () => {
  expect(excerpts.map(({ source }) => source.split('/')[2])).toEqual(
    expect.arrayContaining(['react', 'vue', 'svelte', 'angular']),
  )
})

/** Lines without their indentation: the formatter may indent an excerpt differently from its file. */
const unindented = (code: string) => code.replace(/^[ \t]+/gm, '')

test.each(excerpts.map((excerpt) => [excerpt.where, excerpt] as const))('%s is verbatim in its example file', (_, excerpt) => {
  expect(unindented(readFileSync(join(root, excerpt.source), 'utf8'))).toContain(unindented(excerpt.code))
})

test('every picture it shows exists', () => {
  const pictures = [...text.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map((match) => match[1]!)
  expect(pictures).toHaveLength(4)
  for (const picture of pictures) expect(existsSync(join(root, 'docs', picture)), picture).toBe(true)
})

test('its other snippets typecheck against the public entry', () => {
  expect(snippets.length).toBeGreaterThanOrEqual(2)
  expect(typecheck(snippets)).toEqual([])
}, 60_000)
