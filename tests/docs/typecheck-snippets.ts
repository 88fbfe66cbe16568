import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import * as library from '../../index.js'

/** One snippet to compile: where it comes from, and its code. */
export interface Snippet {
  /** `file:line`, for the report. */
  where: string
  code: string
  /** Names its own module exports, importable beside the public entry's. */
  own?: { module: string; names: string[] }
}

export const root = fileURLToPath(new URL('../..', import.meta.url))

/** What snippets may use without defining it: the names a reader would have at hand. */
const given: Record<string, string> = {
  options: "import('./index.js').TokenSessionOptions",
  session: "import('./index.js').TokenSession",
  tokenResponseFromLogin: 'Record<string, unknown>',
  url: 'string',
  user: '{ id: string }',
  router: '{ navigate(path: string): void }',
  refresh: '() => Promise<void>',
  response: 'Response',
  client: "import('redis').RedisClientType",
  tokenEndpoint: "import('./index.js').TokenEndpoint",
  App: '() => null',
  AppComponent: "import('@angular/core').Type<unknown>",
}

/** Packages a snippet may use as if it imported them, the way the docs around it say to. */
const packages: Record<string, string> = {
  createClient: "import { createClient } from 'redis'",
  Redis: "import { Redis } from 'ioredis'",
  axios: "import axios from 'axios'",
  ky: "import ky from 'ky'",
  createOpenApiClient: "import createOpenApiClient from 'openapi-fetch'",
  createRoot: "import { createRoot } from 'react-dom/client'",
  createApp: "import { createApp } from 'vue'",
  bootstrapApplication: "import { bootstrapApplication } from '@angular/platform-browser'",
  provideHttpClient: "import { provideHttpClient } from '@angular/common/http'",
  withInterceptors: "import { withInterceptors } from '@angular/common/http'",
}

const mentions = (code: string, name: string) => new RegExp(`\\b${name}\\b`).test(code)
const defines = (code: string, name: string) =>
  new RegExp(`(?:const|let|function)\\s+${name}\\b|import\\s+${name}\\b|import\\s*\\{[^}]*\\b${name}\\b[^}]*\\}`).test(code)

/** A module around the snippet: imports of what it uses from the public entry, declarations for the rest. */
function moduleFor(snippet: Snippet): string {
  const { code } = snippet
  const imported = Object.keys(library).filter((name) => mentions(code, name) && !defines(code, name))
  const internal = snippet.own?.names.filter((name) => mentions(code, name) && !(name in library)) ?? []
  const fromPackages = Object.entries(packages)
    .filter(([name]) => mentions(code, name) && !defines(code, name))
    .map(([, line]) => line)
  const declared = Object.entries(given)
    .filter(([name]) => mentions(code, name) && !defines(code, name))
    .map(([name, type]) => `declare const ${name}: ${type}`)
  return [
    imported.length > 0 ? `import { ${imported.join(', ')} } from './index.js'` : '',
    internal.length > 0 ? `import { ${internal.join(', ')} } from './${snippet.own?.module ?? ''}'` : '',
    ...fromPackages,
    ...declared,
    code,
    'export {}',
  ].join('\n')
}

/** Compiles every snippet as a module of its own in the project's settings; returns the problems, `where: message`. */
export function typecheck(snippets: Snippet[]): string[] {
  const config = ts.getParsedCommandLineOfConfigFile(
    join(root, 'tsconfig.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: () => undefined,
    },
  )
  if (config === undefined) throw new Error('tsconfig.json could not be read')
  // .tsx, so that React examples may use JSX; nothing else in the snippets reads differently as TSX.
  const virtual = new Map(snippets.map((snippet, i) => [join(root, `__snippet_${i}.tsx`), moduleFor(snippet)]))
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
  const options = { ...config.options, noEmit: true, jsx: ts.JsxEmit.ReactJSX }
  const program = ts.createProgram([...virtual.keys()], options, host)
  return ts
    .getPreEmitDiagnostics(program)
    .filter((diagnostic) => diagnostic.file !== undefined && virtual.has(diagnostic.file.fileName))
    .map((diagnostic) => {
      const index = Number(/__snippet_(\d+)/.exec(diagnostic.file?.fileName ?? '')?.[1])
      return `${snippets[index]?.where}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`
    })
}
