import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'
import { libraryAliases } from '../vite.shared.js'

// Built in development mode by the tests, so that StrictMode's double renders and effects are on.
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  resolve: { alias: libraryAliases },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
})
