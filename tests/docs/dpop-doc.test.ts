import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect, test } from 'vitest'
import { root, typecheck, type Snippet } from './typecheck-snippets.js'

// Every TypeScript snippet of docs/dpop.md compiles, each as a module of its own.
const file = 'docs/dpop.md'
const text = readFileSync(join(root, file), 'utf8')
const snippets: Snippet[] = [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => ({
  where: `${file}:${text.slice(0, match.index).split('\n').length}`,
  // The docs import the subpath by its published name; here it is the source file.
  code: match[1]!.replace("from 'token-refresh-machine/dpop'", "from './adapters/dpop/index.js'"),
}))

test('docs/dpop.md snippets typecheck against the public entry', () => {
  expect(snippets.length).toBeGreaterThanOrEqual(1)
  expect(typecheck(snippets)).toEqual([])
}, 60_000)
