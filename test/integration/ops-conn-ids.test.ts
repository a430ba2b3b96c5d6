import { describe, expect, it } from 'vitest';
import { admin, startServer } from '../helpers/server.js';
import { WireClient } from '../helpers/wire.js';

/** The audit's `conn` of every successful login, oldest first. */
function loginConns(dbFile: string): number[] {
  const audit = admin(dbFile, 'audit', '--json', '--limit', '1000');
  expect(audit.code, audit.stderr).toBe(0);
  return audit.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { op: string; code: number; conn: number })
    .filter((row) => row.op === 'login')
    .map((row) => row.conn);
}

describe('connection ids (issue 11 item 7)', () => {
  it('are unique across restarts, so the audit names one connection for good', async () => {
    const first = await startServer();
    let dir = first.dir;
    for (let run = 0; run < 3; run++) {
      const server = run === 0 ? first : await startServer({ dir });
      dir = server.dir;
      for (const [account, pin] of [
        ['ac-10001', '1111'],
        ['ac-10002', '2222'],
      ]) {
        const client = await WireClient.connect(server.port);
        expect(await client.request(`LOGIN ${account} ${pin}`)).toMatch(/^00 /);
        expect(await client.request('LOGOUT')).toBe('00');
        client.close();
      }
      expect(await server.stop()).toBe(0);
    }
    const conns = loginConns(first.dbFile);
    expect(conns).toHaveLength(6);
    expect(new Set(conns).size).toBe(6);
    expect([...conns].sort((a, b) => a - b)).toEqual(conns); // later runs, larger ids
  });
});
