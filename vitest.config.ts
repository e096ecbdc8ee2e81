import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

/**
 * Two projects: every suite on a SQLite file, and every database-touching suite again on a
 * real PostgreSQL server (DATABASE_URL). Without DATABASE_URL the PostgreSQL project is left
 * out locally — but never in CI (CI=true), where its tests then fail instead of skipping.
 */
const postgres = Boolean(process.env.DATABASE_URL) || process.env.CI === 'true';
if (!postgres)
  console.warn('DATABASE_URL is not set: the PostgreSQL suites are left out of this run (.ci/run includes them).');

/**
 * Suites that drive programs from Debian packages: hledger reads the journal export, Chromium
 * opens the HTML reports. Left out locally when a program is missing (npm test needs nothing
 * but npm ci), never in CI, where .ci/run installs them and a missing one fails the run.
 */
const onPath = (program: string) =>
  (process.env.PATH ?? '').split(delimiter).some((dir) => existsSync(join(dir, program)));
const TOOLS = {
  'test/tools/hledger.test.ts': 'hledger',
  'test/tools/hledger-import.test.ts': 'hledger',
  'test/tools/html-report.test.ts': 'chromium',
  'test/tools/graphiql.test.ts': 'chromium',
};
const missingTools = process.env.CI === 'true' ? [] : Object.entries(TOOLS).filter(([, program]) => !onPath(program));
if (missingTools.length)
  console.warn(
    `not installed: ${missingTools.map(([, p]) => p).join(', ')}; left out: ${missingTools.map(([f]) => f).join(', ')} (apt-get install hledger chromium).`,
  );
/**
 * The PostgreSQL faults that change a whole server run on a cluster of their own, with a tmpfs
 * mounted for a tablespace; the replica and failover suites on a primary and a standby of their
 * own: they need PostgreSQL's server binaries and root. Same rule as above.
 */
const SERVER_SUITES = [
  'test/postgres/server-faults.test.ts',
  // A primary and a standby of their own (scripts/pg-replica.sh): replica reads and failover.
  'test/postgres/failover.test.ts',
  'test/postgres/replica-reads.test.ts',
  'test/postgres/replica-down.test.ts',
];
const pgServer =
  existsSync('/usr/lib/postgresql') &&
  readdirSync('/usr/lib/postgresql').some((v) => existsSync(join('/usr/lib/postgresql', v, 'bin/initdb')));
const serverFaultsOut = process.env.CI !== 'true' && postgres && (!pgServer || process.getuid?.() !== 0);
if (serverFaultsOut)
  console.warn(
    `${SERVER_SUITES.join(', ')} need root and PostgreSQL's server binaries (apt-get install postgresql): left out.`,
  );
const LEFT_OUT = [...missingTools.map(([file]) => file), ...(serverFaultsOut ? SERVER_SUITES : [])];

/** Suites that exercise the SQLite file itself (raw file access, INKWELL_DB, the CLI on a file). */
const SQLITE_ONLY = [
  'test/e2e/process.test.ts',
  'test/events/verify-command.test.ts',
  'test/reliability/storage-faults.test.ts',
];
/** Pure code: nothing a database changes. */
const PURE = ['test/unit/**', 'test/tools/codegen.test.ts'];

export default defineConfig({
  resolve: {
    // graphql 16 ships CJS (main) and ESM (module). Node loads the CJS one for the libraries
    // (Pothos, yoga); Vite would give our own files the ESM one — two realms, and graphql
    // refuses to mix them. Point everything at the build Node uses.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    // Two test files at a time (vitest's default leaves one of two cores idle): most suites wait
    // on sockets, child processes and PostgreSQL, so two overlap well on a 2-core machine.
    // INKWELL_TEST_WORKERS sets another number (1: one file at a time, for timing-sensitive runs).
    maxWorkers: Number(process.env.INKWELL_TEST_WORKERS ?? 2),
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Fail on leftovers: a skipped or todo test is unfinished work, not a pass.
    allowOnly: false,
    passWithNoTests: false,
    projects: [
      {
        extends: true,
        test: {
          name: 'sqlite',
          include: ['test/**/*.test.ts'],
          exclude: ['test/postgres/**', ...LEFT_OUT],
          env: { INKWELL_TEST_DB: 'sqlite' },
        },
      },
      ...(postgres
        ? [
            {
              extends: true as const,
              test: {
                name: 'postgres',
                include: ['test/**/*.test.ts'],
                exclude: [...SQLITE_ONLY, ...PURE, ...LEFT_OUT],
                env: { INKWELL_TEST_DB: 'postgres' },
              },
            },
          ]
        : []),
    ],
  },
});
