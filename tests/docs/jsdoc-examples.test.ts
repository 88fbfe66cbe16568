// Angular's npm packages are partially compiled: importing integrations/angular.ts in Node needs the JIT compiler.
import '@angular/compiler'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect, test } from 'vitest'
import * as library from '../../index.js'
import { root, typecheck, type Snippet } from './typecheck-snippets.js'

// Every `@example` in the source's JSDoc is compiled, each as a module of its
// own, against the public entry: an example that stops compiling fails here.

const sourceDirs = ['machines', 'adapters', 'adapters/dpop', 'session', 'integrations']

async function examplesIn(file: string): Promise<Snippet[]> {
  const text = readFileSync(join(root, file), 'utf8')
  // A subpath's files may use every name of their entry (adapters/dpop/index.ts), as its users do.
  const entry = file.startsWith('adapters/dpop/') ? 'adapters/dpop/index.ts' : file
  const own = Object.keys((await import(join(root, entry))) as Record<string, unknown>).filter((name) => !(name in library))
  return [...text.matchAll(/\* @example\n((?:\s*\*(?! @|\/).*\n)+)/g)].map((match) => ({
    where: `${file}:${text.slice(0, match.index).split('\n').length}`,
    code: match[1]!
      .split('\n')
      .map((line) => line.replace(/^\s*\* ?/, ''))
      .join('\n'),
    own: { module: entry.replace(/\.ts$/, '.js'), names: own },
  }))
}

const examples = (
  await Promise.all(
    sourceDirs.flatMap((dir) =>
      readdirSync(join(root, dir))
        .filter((name) => name.endsWith('.ts'))
        .map((name) => examplesIn(`${dir}/${name}`)),
    ),
  )
).flat()

test('the source has examples to check', () => {
  expect(examples.length).toBeGreaterThanOrEqual(15)
})

test('every @example in the JSDoc typechecks against the public entry', () => {
  expect(typecheck(examples)).toEqual([])
}, 60_000)
