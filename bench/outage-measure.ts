// Measures issue 18's outage targets on this machine (not part of npm test): PostgreSQL
// crash-restart of 3 s under load (2 servers × 5 ATMs), and a 15 s outage with --db-wait 5.
// Run: npm run build && BANK_TEST_ENGINE=postgres npx tsx bench/outage-measure.ts
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  startEmbeddedCluster,
  withClient,
  type EmbeddedCluster,
} from '../test/helpers/embedded-postgres.js';
import { sleep } from '../test/helpers/poll.js';
import { admin, startServer, type TestServer } from '../test/helpers/server.js';
import { WireClient } from '../test/helpers/wire.js';

const ATMS_PER_SERVER = 5;
process.env.BANK_PIN_KEY = 'outage measurement key';

interface Reply {
  sentMs: number;
  atMs: number;
  code: string;
}

async function bank(cluster: EmbeddedCluster, name: string, args: string[]): Promise<TestServer[]> {
  await withClient(cluster.url, (c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(cluster.url);
  url.pathname = `/${name}`;
  const lines = Array.from(
    { length: 2 * ATMS_PER_SERVER },
    (_, i) => `ac-2${String(i).padStart(4, '0')}, 1234, 100.00`,
  );
  const dir = mkdtempSync(join(tmpdir(), 'bank-measure-'));
  writeFileSync(join(dir, 'accounts.txt'), lines.join('\n') + '\n');
  writeFileSync(join(dir, 'bank.db-url'), `${url.href}\n`);
  const seeded = admin(url.href, 'seed', '--file', join(dir, 'accounts.txt'));
  if (seeded.code !== 0) throw new Error(`seed: ${seeded.stderr}`);
  const servers = [];
  for (const n of ['a', 'b']) {
    servers.push(
      await startServer({
        dir,
        args: ['--server-name', `m-${name}-${n}`, '--metrics', '127.0.0.1:0', ...args],
      }),
    );
  }
  return servers;
}

function healthUrl(server: TestServer): string {
  return /metrics on (\S+)/.exec(server.output())![1]!.replace('/metrics', '/healthz');
}

/** Polls /healthz of each server; records the first 200 after `after()` becomes defined. */
function watchHealth(
  servers: TestServer[],
  after: () => number | undefined,
): { firstOkMs: (number | undefined)[]; stop: () => void } {
  const firstOkMs: (number | undefined)[] = servers.map(() => undefined);
  let on = true;
  void (async () => {
    while (on) {
      const back = after();
      await Promise.all(
        servers.map(async (s, i) => {
          const status = await fetch(healthUrl(s)).then(
            (r) => r.status,
            () => 0,
          );
          if (back !== undefined && status === 200 && firstOkMs[i] === undefined)
            firstOkMs[i] = performance.now();
        }),
      );
      await sleep(20);
    }
  })();
  return {
    firstOkMs,
    stop: () => {
      on = false;
    },
  };
}

async function crashRestart(cluster: EmbeddedCluster): Promise<void> {
  const servers = await bank(cluster, 'crash3', []);
  const replies: Reply[] = [];
  let running = true;
  let closed = 0;
  const atms = await Promise.all(
    Array.from({ length: 2 * ATMS_PER_SERVER }, async (_, i) => {
      const c = await WireClient.connect(servers[i % 2]!.port);
      const reply = await c.request(`LOGIN ac-2${String(i).padStart(4, '0')} 1234`);
      if (!reply.startsWith('00'))
        throw new Error(`login: ${reply} ${servers[0]!.output().slice(0, 1500)}`);
      return c;
    }),
  );
  const loops = atms.map(async (c, i) => {
    for (let n = 0; running; n++) {
      const sentMs = performance.now();
      const line = await c.request(`DEPOSIT m${i}x${n} 1`, 30_000).catch(() => 'closed');
      replies.push({ sentMs, atMs: performance.now(), code: line.slice(0, 2) });
      if (line === 'closed') {
        closed++;
        return;
      }
    }
  });
  let backMs: number | undefined;
  const health = watchHealth(servers, () => backMs);
  await sleep(3000);
  const downMs = performance.now();
  await cluster.crash();
  await sleep(3000);
  await cluster.restart();
  backMs = performance.now();
  await sleep(6000);
  running = false;
  await Promise.all(loops);
  health.stop();
  const during = replies.filter((r) => r.sentMs >= downMs && r.sentMs < backMs);
  const codes = new Map<string, number>();
  for (const r of replies) codes.set(r.code, (codes.get(r.code) ?? 0) + 1);
  console.log('crash-restart 3 s, 2 servers x 5 ATMs:');
  console.log(
    `  replies by code: ${JSON.stringify(Object.fromEntries(codes))}; sessions closed: ${closed}`,
  );
  console.log(
    `  sent during outage: ${during.length}, codes ${[...new Set(during.map((r) => r.code))].join(',')}, ` +
      `worst reply after return: ${Math.max(...during.map((r) => r.atMs - backMs)).toFixed(0)} ms`,
  );
  console.log(
    `  /healthz 200 after return: ${health.firstOkMs.map((t) => (t === undefined ? 'never' : `${(t - backMs).toFixed(0)} ms`)).join(', ')}`,
  );
  await Promise.all(servers.map((s) => s.stop()));
}

async function longOutage(cluster: EmbeddedCluster): Promise<void> {
  const servers = await bank(cluster, 'long15', ['--db-wait', '5']);
  const logins = Array.from(
    { length: 2 * ATMS_PER_SERVER },
    (_, i) => `LOGIN ac-2${String(i).padStart(4, '0')} 1234`,
  );
  const atms = await Promise.all(
    logins.map(async (login, i) => {
      const c = await WireClient.connect(servers[i % 2]!.port);
      await c.request(login);
      return c;
    }),
  );
  await cluster.crash();
  const downMs = performance.now();
  let backMs: number | undefined;
  const seen = new Map<string, number>();
  const count = (code: string): void => {
    seen.set(code, (seen.get(code) ?? 0) + 1);
  };
  const results = atms.map(async (c, i) => {
    const first = await c.request(`DEPOSIT long${i} 1`, 30_000);
    const firstMs = performance.now() - downMs;
    count(first.slice(0, 2));
    c.socket.destroy();
    // As the ATM does after 91: reconnect, LOGIN, again until it is in.
    for (;;) {
      const again = await WireClient.connect(servers[i % 2]!.port);
      const reply = await again.request(logins[i]!, 30_000).catch(() => 'closed');
      count(reply.slice(0, 2));
      if (reply.startsWith('00')) return { firstMs, first, inMs: performance.now() - backMs! };
      again.socket.destroy();
      if (!reply.startsWith('91')) await sleep(200);
    }
  });
  await sleep(15_000);
  await cluster.restart();
  backMs = performance.now();
  const done = await Promise.all(results);
  console.log('15 s outage, --db-wait 5:');
  console.log(
    `  first reply: ${[...new Set(done.map((d) => d.first))].join(',')} after ${Math.min(...done.map((d) => d.firstMs)).toFixed(0)}–${Math.max(...done.map((d) => d.firstMs)).toFixed(0)} ms`,
  );
  console.log(
    `  logged in again after return: worst ${Math.max(...done.map((d) => d.inMs)).toFixed(0)} ms; codes seen ${JSON.stringify(Object.fromEntries(seen))}`,
  );
  await Promise.all(servers.map((s) => s.stop()));
}

const cluster = await startEmbeddedCluster({ connectionsMax: 60, settings: { fsync: 'off' } });
try {
  await crashRestart(cluster);
  await longOutage(cluster);
} finally {
  await cluster.stop();
}
