import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { NO_SERVER_STATE, poolConnection } from '../../../src/store/postgres/connect.js';
import { freePort } from '../../helpers/embedded-postgres.js';
import { postgresServerUrl } from '../../helpers/postgres.js';

/** The run's PostgreSQL server URL with another host:port list in place of its own. */
function withHosts(hosts: string, query = ''): string {
  const url = new URL(postgresServerUrl());
  return `postgres://${url.username}:${url.password}@${hosts}${url.pathname}${query}`;
}

/** A connection made the way the pool makes one, and what it reached. */
async function connectLikeThePool(url: string): Promise<{ port: number; standby: boolean }> {
  const { Client, ...config } = poolConnection(url);
  const client = new Client(config);
  await client.connect();
  try {
    const { rows } = await client.query<{ standby: boolean }>(
      'SELECT pg_is_in_recovery() AS standby',
    );
    return { port: client.port, standby: rows[0]!.standby };
  } finally {
    await client.end();
  }
}

describe('poolConnection', () => {
  it("keeps pg's own Client, and the URL, for one host that may be any server", () => {
    const url = 'postgres://u:pw@h:5/bank';
    expect(poolConnection(url)).toEqual({ connectionString: url, Client: pg.Client });
    expect(poolConnection(url, 3000).connectionTimeoutMillis).toBe(3000);
    expect(poolConnection(`${url}?connect_timeout=7`, 3000).connectionTimeoutMillis).toBe(7000);
  });

  it("gives pg a single-host URL and bounds a connection by every host's probe", () => {
    const made = poolConnection(
      'postgres://u:pw@h1:5,[::1]:6/bank?target_session_attrs=primary',
      3000,
    );
    expect(made.connectionString).toBe('postgres://u:pw@h1:5/bank?target_session_attrs=primary');
    expect(made.Client).not.toBe(pg.Client);
    expect(made.connectionTimeoutMillis).toBe(3 * 3000);
    expect(poolConnection('postgres://h/b?target_session_attrs=read-write').Client).not.toBe(
      pg.Client,
    );
  });

  it('passes over hosts that refuse, in order, to the first server that answers', async () => {
    const [dead1, dead2] = [await freePort(), await freePort()];
    const real = new URL(postgresServerUrl()).port;
    const url = withHosts(
      `127.0.0.1:${dead1},127.0.0.1:${dead2},127.0.0.1:${real}`,
      '?target_session_attrs=read-write',
    );
    expect(await connectLikeThePool(url)).toEqual({ port: Number(real), standby: false });
  });

  it('fails with SQLSTATE 08001, saying what each host said, when no host will do', async () => {
    const [dead1, dead2] = [await freePort(), await freePort()];
    const error = await connectLikeThePool(withHosts(`127.0.0.1:${dead1},[::1]:${dead2}`)).catch(
      (caught: unknown) => caught as Error & { code?: string },
    );
    expect(error).toBeInstanceOf(Error);
    expect((error as { code?: string }).code).toBe(NO_SERVER_STATE);
    expect((error as Error).message).toMatch(
      new RegExp(
        `^no server of 2 host\\(s\\) is ` +
          `target_session_attrs=any \\(127\\.0\\.0\\.1:${dead1}: .*ECONNREFUSED.*; ` +
          `\\[::1\\]:${dead2}: `,
      ),
    );
  });
});
