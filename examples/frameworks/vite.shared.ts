import { fileURLToPath } from 'node:url'
import type { Alias } from 'vite'

const root = fileURLToPath(new URL('../../', import.meta.url))

/**
 * The examples import the library by its published names; these aliases
 * point them at the sources, as the published `exports` point at `dist/`.
 */
export const libraryAliases: Alias[] = [
  { find: /^token-refresh-machine$/, replacement: `${root}index.ts` },
  { find: /^token-refresh-machine\/(react|vue|svelte|angular)$/, replacement: `${root}integrations/$1.ts` },
]
