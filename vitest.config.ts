import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['{core,actors,transports,runtime,sim,bench,bin,examples}/**/*.test.ts'],
    // Simulations are CPU-bound; two workers match the two cores of these machines.
    maxWorkers: 2,
    testTimeout: 60_000,
  },
})
