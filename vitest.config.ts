import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // graphql 16 ships CJS (main) and ESM (module). Node loads the CJS one for the libraries
    // (Pothos, yoga); Vite would give our own files the ESM one — two realms, and graphql
    // refuses to mix them. Point everything at the build Node uses.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Fail on leftovers: a skipped or todo test is unfinished work, not a pass.
    allowOnly: false,
    passWithNoTests: false,
  },
});
