import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { expect, test } from 'vitest'
import * as library from '../../index.js'

// Every `@example` in the source's JSDoc is compiled, each as a module of its
// own, against the public entry: an example that stops compiling fails here.

const root = fileURLToPath(new URL('../..', import.meta.url))
const sourceDirs = ['machines', 'adapters', 'session']

/** What examples may use without defining it: the names a reader would have at hand. */
const given: Record<string, string> = {
  options: "import('./index.js').TokenSessionOptions",
  tokenResponseFromLogin: 'Record<string, unknown>',
  url: 'string',
  user: '{ id: string }',
  router: '{ navigate(path: string): void }',
  refresh: '() => Promise<void>',
  response: 'Response',
  client: "import('redis').RedisClientType",
  createClient: "typeof import('redis').createClient",
}

interface Example {
  file: string
  line: number
  code: string
  /** What the example's own module exports: an example may show an internal helper. */
  own: string[]
}

function examplesIn(file: string): Example[] {
  const text = readFileSync(join(root, file), 'utf8')
  const found: Example[] = []
  for (const match of text.matchAll(/\* @example\n((?:\s*\*(?! @|\/).*\n)+)/g)) {
    const code = match[1]!
      .split('\n')
      .map((line) => line.replace(/^\s*\* ?/, ''))
      .join('\n')
    found.push({ file, line: text.slice(0, match.index).split('\n').length, code, own: [] })
  }
  return found
}

const examples = sourceDirs.flatMap((dir) =>
  readdirSync(join(root, dir))
    .filter((name) => name.endsWith('.ts'))
    .flatMap((name) => examplesIn(`${dir}/${name}`)),
)

for (const example of examples) {
  const own = (await import(join(root, example.file))) as Record<string, unknown>
  example.own = Object.keys(own).filter((name) => !(name in library))
}

function moduleFor(example: Example): string {
  const uses = (name: string) => new RegExp(`\\b${name}\\b`).test(example.code)
  const imported = Object.keys(library).filter(uses)
  const internal = example.own.filter(uses)
  const declared = Object.entries(given)
    .filter(([name]) => new RegExp(`\\b${name}\\b`).test(example.code))
    .filter(([name]) => !new RegExp(`(const|import)[^\\n=]*\\b${name}\\b`).test(example.code))
    .map(([name, type]) => (name === 'createClient' ? '' : `declare const ${name}: ${type}`))
  const redis =
    /\bcreateClient\b/.test(example.code) && !example.code.includes("from 'redis'") ? "import { createClient } from 'redis'" : ''
  return [
    imported.length > 0 ? `import { ${imported.join(', ')} } from './index.js'` : '',
    internal.length > 0 ? `import { ${internal.join(', ')} } from './${example.file.replace(/\.ts$/, '.js')}'` : '',
    redis,
    ...declared,
    example.code,
    'export {}',
  ].join('\n')
}

test('the source has examples to check', () => {
  expect(examples.length).toBeGreaterThanOrEqual(15)
})

test('every @example in the JSDoc typechecks against the public entry', () => {
  const config = ts.getParsedCommandLineOfConfigFile(
    join(root, 'tsconfig.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: () => undefined,
    },
  )
  if (config === undefined) throw new Error('tsconfig.json could not be read')
  const virtual = new Map(examples.map((example, i) => [join(root, `__example_${i}.ts`), moduleFor(example)]))
  const host = ts.createCompilerHost(config.options)
  const readFile = host.readFile.bind(host)
  const fileExists = host.fileExists.bind(host)
  const getSourceFile = host.getSourceFile.bind(host)
  host.readFile = (name) => virtual.get(name) ?? readFile(name)
  host.fileExists = (name) => virtual.has(name) || fileExists(name)
  host.getSourceFile = (name, language) => {
    const text = virtual.get(name)
    return text === undefined ? getSourceFile(name, language) : ts.createSourceFile(name, text, language)
  }
  const program = ts.createProgram([...virtual.keys()], { ...config.options, noEmit: true }, host)
  const problems = ts
    .getPreEmitDiagnostics(program)
    .filter((diagnostic) => diagnostic.file !== undefined && virtual.has(diagnostic.file.fileName))
    .map((diagnostic) => {
      const index = Number(/__example_(\d+)/.exec(diagnostic.file?.fileName ?? '')?.[1])
      const example = examples[index]!
      return `${example.file}:${example.line}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`
    })
  expect(problems).toEqual([])
}, 60_000)
