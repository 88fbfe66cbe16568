import { defineConfig } from 'vitest/config'

// Two cores. Suites against real servers with real token lifetimes (a few
// seconds) run in their own group, after the CPU-heavy model-based walk, so
// that starving their timers cannot turn a correct run into a failed one.
export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 300_000, // a first run may install redis-server or chromium
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['tests/{adapters,session,docs,servers,integrations}/**/*.test.ts'],
          typecheck: { enabled: true, include: ['tests/types/**/*.test-d.ts'] },
          sequence: { groupOrder: 0 },
        },
      },
      { extends: true, test: { name: 'model', include: ['tests/model/**/*.test.ts'], sequence: { groupOrder: 1 } } },
      {
        extends: true,
        test: {
          name: 'real',
          include: ['tests/integration/**/*.test.ts', 'tests/coordination/**/*.test.ts', 'tests/frameworks/**/*.test.ts'],
          sequence: { groupOrder: 2 },
          // One file at a time: real token lifetimes, Chromium and Redis children must not starve each other.
          fileParallelism: false,
        },
      },
    ],
  },
})
