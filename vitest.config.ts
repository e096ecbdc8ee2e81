import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Fail on leftovers: a skipped or todo test is unfinished work, not a pass.
    allowOnly: false,
    passWithNoTests: false,
  },
});
