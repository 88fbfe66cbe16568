import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    typecheck: { enabled: true, include: ['tests/**/*.test-d.ts'] },
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Suites start real servers on loopback; two cores, so keep parallelism modest.
    maxWorkers: 2,
  },
})
