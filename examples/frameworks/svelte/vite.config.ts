import { svelte } from '@sveltejs/vite-plugin-svelte'
import { defineConfig } from 'vite'
import { libraryAliases } from '../vite.shared.js'

export default defineConfig({
  root: import.meta.dirname,
  plugins: [svelte()],
  resolve: { alias: libraryAliases },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
})
