import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { until } from '../helpers/poll.js';
import { startServer } from '../helpers/server.js';
import { WireClient } from '../helpers/wire.js';
import { expectDialogue } from '../helpers/dialogue.js';

/** The value of one sample line of a Prometheus text scrape, or undefined if absent. */
function sample(scrape: string, series: string): number | undefined {
  const line = scrape.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('metrics (issue 11 item 6)', () => {
  it('--metrics <port> serves /metrics on loopback with counters that move, and /healthz', async () => {
    const server = await startServer({ args: ['--metrics', '0', '--max-connections', '2'] });
    try {
      const url = await until(
        'the metrics line',
        () => /metrics on (http:\/\/127\.0\.0\.1:\d+\/metrics)/.exec(server.output())?.[1],
      );
      const scrape = async (): Promise<string> => (await fetch(url)).text();
      const before = await scrape();
      expect(sample(before, 'bank_requests_total{verb="deposit",code="00"}')).toBeUndefined();
      expect(sample(before, 'bank_connections_refused_total{reason="max-connections"}')).toBe(0);

      const client = await WireClient.connect(server.port);
      await expectDialogue(
        client,
        `
          LOGIN ac-10001 1111 -> 00 10000 30
          DEPOSIT m1 100 -> 00 10100
          WITHDRAW m2 999999 -> 51 10100
        `,
      );
      const second = await WireClient.connect(server.port);
      expect(await second.request('LOGIN ac-10002 2222')).toBe('00 5025 30');
      const refused = await WireClient.connect(server.port); // one over --max-connections
      expect(await refused.nextLine()).toBe('91');
      const during = await scrape();
      expect(sample(during, 'bank_requests_total{verb="login",code="00"}')).toBe(2);
      expect(sample(during, 'bank_requests_total{verb="deposit",code="00"}')).toBe(1);
      expect(sample(during, 'bank_requests_total{verb="withdraw",code="51"}')).toBe(1);
      expect(sample(during, 'bank_request_duration_seconds_count')).toBe(4);
      expect(sample(during, 'bank_commit_batch_requests_count')).toBeGreaterThanOrEqual(4);
      expect(sample(during, 'bank_commit_duration_seconds_count')).toBeGreaterThanOrEqual(4);
      expect(sample(during, 'bank_connections_open')).toBe(2);
      expect(sample(during, 'bank_sessions_live')).toBe(2);
      expect(sample(during, 'bank_connections_refused_total{reason="max-connections"}')).toBe(1);
      expect(sample(during, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
      expect(during).toContain('# TYPE bank_locks_expired_total counter');

      const health = await fetch(url.replace('/metrics', '/healthz'));
      expect(health.status).toBe(200);
      for (const c of [client, second, refused]) c.close();
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  it('counts a lock taken over after its TTL, the 68 its old session gets, and a lock-out', async () => {
    const server = await startServer({ args: ['--metrics', '0', '--lock-ttl', '1'] });
    try {
      const url = await until(
        'the metrics line',
        () => /metrics on (http:\/\/127\.0\.0\.1:\d+\/metrics)/.exec(server.output())?.[1],
      );
      const expired = async (event: string): Promise<number | undefined> =>
        sample(await (await fetch(url)).text(), `bank_locks_expired_total{event="${event}"}`);
      const silent = await WireClient.connect(server.port);
      expect(await silent.request('LOGIN ac-10001 1111')).toBe('00 10000 1');
      expect(await expired('taken_over')).toBe(0);
      const taker = await until('the silent lock to expire', async () => {
        const client = await WireClient.connect(server.port);
        if ((await client.request('LOGIN ac-10001 1111')).startsWith('00 ')) return client;
        client.close();
        return undefined;
      });
      expect(await expired('taken_over')).toBe(1);
      expect(await silent.request('BALANCE')).toBe('68');
      expect(await expired('expired_reply')).toBe(1);
      // Three wrong PINs from one group block the account for that group (PROTOCOL.md §5.2).
      const lockouts = async (scope: string): Promise<number | undefined> =>
        sample(await (await fetch(url)).text(), `bank_lockouts_total{scope="${scope}"}`);
      expect(await lockouts('group')).toBe(0);
      for (const reply of ['55 2', '55 1', '75']) {
        expect(await silent.request('LOGIN ac-10002 0000')).toBe(reply);
      }
      expect(await lockouts('group')).toBe(1);
      expect(await lockouts('account')).toBe(0);
      for (const c of [silent, taker]) c.close();
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  it('is off by default: no metrics line, nothing else listening', async () => {
    const server = await startServer();
    try {
      expect(server.output()).not.toContain('metrics on');
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  it('a --metrics port in use fails the start with one sentence', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      await expect(startServer({ args: ['--metrics', String(port)] })).rejects.toThrow(
        `port ${port} on 127.0.0.1 is in use (another bank server?); ` +
          'pick another with --metrics',
      );
    } finally {
      taken.close();
    }
  });
});
