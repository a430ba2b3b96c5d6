import { describe, expect, it } from 'vitest';
import { readLocks } from '../helpers/bank-admin.js';
import { admin, startServer } from '../helpers/server.js';
import { WireClient } from '../helpers/wire.js';

describe('a server whose output went away (issue 11 item 5)', () => {
  it('keeps serving, and on SIGTERM answers, releases every lock and closes the database', async () => {
    const server = await startServer();
    const client = await WireClient.connect(server.port);
    expect(await client.request('LOGIN ac-10001 1111')).toBe('00 10000 30');
    // Like `bank server | tee log` with tee gone: the reading ends of both pipes close.
    server.proc.stdout!.destroy();
    server.proc.stderr!.destroy();
    // Each of these writes a log line into the closed pipe (EPIPE).
    expect(await client.request('DEPOSIT epipe1 500')).toBe('00 10500');
    expect(await client.request('BALANCE')).toBe('00 10500');
    const other = await WireClient.connect(server.port);
    expect(await other.request('LOGIN ac-10002 2222')).toBe('00 5025 30');
    expect(readLocks(server.dbFile)).toEqual(['ac-10001', 'ac-10002']);

    expect(await server.stop()).toBe(0);
    for (const connection of [client, other]) expect(await connection.nextLine()).toBe('91');
    expect(readLocks(server.dbFile)).toEqual([]);
    const verified = admin(server.dbFile, 'verify');
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
    expect(verified.stdout).toContain('verify: OK');
  });
});
