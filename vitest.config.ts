import { defineConfig } from 'vitest/config';

/**
 * The integration suites that hold for every storage engine: the `postgres` project runs them
 * again against PostgreSQL, each test bank in a fresh database. What only SQLite has inside them
 * (a file, its locks, the default bank.sqlite) is registered on SQLite alone
 * (test/helpers/engines.ts). Not here: the unit tests (test/store/ opens SQLite itself), and the
 * ops-* and terminal suites (start-up checks of files and folders, logs, metrics, sockets, the
 * tmux-driven ATM: the same code whichever engine stores the bank).
 */
const ENGINE_SUITES = [
  'transactions',
  'locks',
  'idempotency',
  'conservation',
  'hostile',
  'crash',
  'conformance',
  'concurrency',
  'protocol-answers',
  'before-login',
  'lockout',
  'pin-guessing',
  'audit-flood',
  'admin',
  'tls',
  'server-lifecycle',
  'dashboard',
].map((name) => `test/integration/${name}.test.ts`);

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests start real server processes; two cores run two files at once, across
    // both projects.
    maxWorkers: 2,
    reporters: ['default', ['json', { outputFile: 'test-results.json' }]],
    projects: [
      {
        extends: true,
        test: {
          name: 'sqlite',
          include: ['test/**/*.test.ts'],
          exclude: [
            'test/setup/**',
            'test/store/postgres/**',
            'test/integration/multi-server*',
            'test/integration/pg-*',
          ],
        },
      },
      {
        extends: true,
        test: {
          name: 'postgres',
          include: [
            ...ENGINE_SUITES,
            'test/setup/*.test.ts',
            'test/store/postgres/*.test.ts',
            'test/integration/multi-server*.test.ts',
            'test/integration/pg-*.test.ts',
          ],
          // Only this project starts (or finds, by BANK_TEST_PG_URL) a PostgreSQL server.
          globalSetup: ['test/setup/postgres.ts'],
          env: {
            BANK_TEST_ENGINE: 'postgres',
            // One PIN key for every process of a test (servers, seed, open, set-pin), as several
            // servers on one PostgreSQL must share one; the default key file sits beside a
            // SQLite file, and a URL is no file.
            BANK_PIN_KEY: 'the PIN key of the postgres test project',
          },
        },
      },
    ],
  },
});
