import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect, test } from 'vitest'
import { root, typecheck, type Snippet } from './typecheck-snippets.js'

// Every TypeScript snippet of docs/clients.md compiles, each as a module of its own.

function snippetsOf(file: string): Snippet[] {
  const text = readFileSync(join(root, file), 'utf8')
  return [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => ({
    where: `${file}:${text.slice(0, match.index).split('\n').length}`,
    // The docs import the subpath by its published name; here it is the source file.
    code: match[1]!.replace("from 'token-refresh-machine/axios'", "from './integrations/axios.js'"),
  }))
}

const snippets = snippetsOf('docs/clients.md')

test('docs/clients.md has a snippet for every client', () => {
  expect(snippets.length).toBeGreaterThanOrEqual(7)
})

test('every snippet of docs/clients.md typechecks against the public entry', () => {
  expect(typecheck(snippets)).toEqual([])
}, 60_000)
