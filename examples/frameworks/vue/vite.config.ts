import vue from '@vitejs/plugin-vue'
import { defineConfig } from 'vite'
import { libraryAliases } from '../vite.shared.js'

export default defineConfig({
  root: import.meta.dirname,
  plugins: [vue()],
  resolve: { alias: libraryAliases },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
})
