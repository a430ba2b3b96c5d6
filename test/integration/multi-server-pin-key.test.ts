import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { BANK, bankDb, makeBankDir } from '../helpers/server.js';

/** `bank server` on the test's PostgreSQL bank, from cwd, without the shared BANK_PIN_KEY. */
function serverWithoutKey(db: string, cwd: string): { code: number | null; stderr: string } {
  const env = { ...process.env };
  delete env.BANK_PIN_KEY;
  const result = spawnSync(
    process.execPath,
    [BANK, 'server', '--db', db, '--host', '127.0.0.1', '--port', '0'],
    { cwd, env, encoding: 'utf8', timeout: 20_000 },
  );
  return { code: result.status, stderr: result.stderr };
}

describe('a server on a PostgreSQL bank and its PIN key', () => {
  it('refuses to start, and exits, when the bank has accounts and no key is here', async () => {
    const dir = await makeBankDir();
    const db = bankDb(dir);
    const { code, stderr } = serverWithoutKey(db, dir);
    expect(code).toBe(1); // not killed by the timeout: the pool does not keep it alive
    expect(stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        /^bank: no PIN key at \S+\.pin-key: the servers of a PostgreSQL bank share one key/,
      ),
    ]);
    expect(stderr).not.toMatch(/:[^:/@\s]+@127\.0\.0\.1/); // no password in the line
  });

  it('says in one line that the database does not exist, and exits', async () => {
    const dir = await makeBankDir(null);
    const missing = bankDb(dir).replace(/\/([^/?]+)(\?|$)/, '/$1_missing$2');
    const { code, stderr } = serverWithoutKey(missing, dir);
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        /^bank: cannot open the database postgres:\/\/.*\(no database at .*_missing/,
      ),
    ]);
  });
});
