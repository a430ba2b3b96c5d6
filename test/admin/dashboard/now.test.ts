import { describe, expect, it } from 'vitest';
import {
  accountView,
  CONNS_PER_RUN,
  liveSessions,
  parseHolder,
  serverViews,
} from '../../../src/admin/dashboard/now.js';
import { CONNS_PER_RUN as SERVER_CONNS_PER_RUN } from '../../../src/server/conn-ids.js';

describe('the Now panel', () => {
  it('reads run numbers from connection ids as the server makes them', () => {
    expect(CONNS_PER_RUN).toBe(SERVER_CONNS_PER_RUN);
  });

  it('splits a lock holder into server name and connection', () => {
    expect(parseHolder('alpha/3000001')).toEqual({ server: 'alpha', conn: 3_000_001 });
    expect(parseHolder('host:7000/12')).toEqual({ server: 'host:7000', conn: 12 });
    expect(parseHolder('odd')).toEqual({ server: 'odd', conn: null });
  });

  it('drops the sessions whose lock has expired', () => {
    const lock = (account: string, heartbeatAt: number) => ({
      account,
      holder: 'a/1000001',
      peer: 'p',
      startedAt: 0,
      heartbeatAt,
    });
    const live = liveSessions([lock('ac-10001', 9_000), lock('ac-10002', 7_000)], 10_000, 2_000);
    expect(live.map((s) => s.account)).toEqual(['ac-10001']);
  });

  it("names each run's servers and sessions from the lock holders", () => {
    const sessions = liveSessions(
      [{ account: 'ac-10001', holder: 'beta/2000001', peer: 'p', startedAt: 0, heartbeatAt: 0 }],
      0,
      2_000,
    );
    const runs = [
      { run: 2, startedAt: 5, version: '1' },
      { run: 1, startedAt: 1, version: '1' },
    ];
    const views = serverViews(runs, sessions, []);
    expect(views.map((v) => [v.run, v.names, v.sessions])).toEqual([
      [2, ['beta'], 1],
      [1, [], 0],
    ]);
  });

  it('gives an account its status in words', () => {
    const base = {
      account: 'ac-10001',
      balanceCents: 5,
      closed: false,
      blocked: false,
      lockedUntilMs: 0,
    };
    expect(accountView(base, 10).status).toBe('open');
    expect(accountView({ ...base, blocked: true }, 10).status).toBe('blocked');
    expect(accountView({ ...base, lockedUntilMs: 20 }, 10)).toMatchObject({
      status: 'locked',
      lockedUntilMs: 20,
    });
    expect(accountView({ ...base, closed: true }, 10).status).toBe('closed');
    expect(Object.keys(accountView(base, 10))).not.toContain('pinHash');
  });
});
