// Tests of what only one storage engine has. The `postgres` vitest project runs the
// engine-independent suites again with BANK_TEST_ENGINE=postgres (vitest.config.ts).
import { describe, it } from 'vitest';
import { ENGINE } from './server.js';

/**
 * `describe` for what only SQLite has (a file, its locks, its permissions, the default
 * bank.sqlite): under another engine it registers nothing, as a skipped test counts as failed.
 */
export function describeSqliteOnly(name: string, body: () => void): void {
  if (ENGINE === 'sqlite') describe(name, body);
}

/** `it` for what only SQLite has; under another engine it registers nothing. */
export function itSqliteOnly(name: string, body: () => unknown): void {
  if (ENGINE === 'sqlite')
    it(name, async () => {
      await body();
    });
}
