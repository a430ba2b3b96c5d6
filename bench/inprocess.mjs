// `node bench/inprocess.mjs [dist-dir] [peers] [rounds]`: the server's request path without
// sockets. Calls handleFrame in-process for `peers` logged-in peers, one request each per round
// (the bench's mix), all of a round in one batch, and prints wall and CPU time per request.
// dist-dir defaults to this checkout's dist/ (run `npm run build` first); point it at another
// checkout's dist/ to compare builds under the same load.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = process.argv[2] || fileURLToPath(new URL('../dist', import.meta.url));
const peersCount = Number(process.argv[3] ?? 100);
const rounds = Number(process.argv[4] ?? 300);
const load = (module) => import(join(dist, module));
const { openStore, closeStore } = await load('store/db.js');
const { Committer } = await load('server/committer.js');
const { handleFrame } = await load('server/dispatch.js');
const { putAccount } = await load('store/accounts.js');
const { acquireLock } = await load('store/sessions.js');
const { defaultServerConfig } = await load('server/config.js');
const { LoginLimiter } = await load('server/rate-limit.js');

const dir = mkdtempSync(join(tmpdir(), 'bank-inprocess-'));
const store = openStore(join(dir, 'bank.sqlite'));
const ctx = {
  store, committer: new Committer(store, 512), config: defaultServerConfig(join(dir, 'bank.sqlite')),
  pinKey: Buffer.alloc(32), limiter: new LoginLimiter(30), log: () => {}, now: Date.now,
};
const peers = [];
store.db.transaction(() => {
  for (let i = 1; i <= peersCount; i++) {
    const account = `ac-${String(i).padStart(5, '0')}`;
    putAccount(store, { account, pinHash: 'x', balanceCents: 1e8, now: 1 }, false);
    const claim = { account, holder: `h/${i}`, peer: '127.0.0.1', now: Date.now(), lockTtlMs: 30e3 };
    acquireLock(store, claim);
    peers.push({ id: i, address: '127.0.0.1', holder: `h/${i}`, session: { account },
      loginFailures: 0 });
  }
}).immediate();

let seed = 1;
const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
const frameFor = (draw, id) =>
  draw < 0.4 ? 'BALANCE' : draw < 0.8 ? `DEPOSIT ${id} 1` : `WITHDRAW ${id} 1`;
const cpuFrom = process.cpuUsage();
const startMs = performance.now();
for (let round = 0; round < rounds; round++) {
  await Promise.all(peers.map((peer, i) =>
    handleFrame(ctx, peer, frameFor(random(), `${i.toString(36)}x${round.toString(36)}`))));
}
const requests = rounds * peersCount;
const wallMs = performance.now() - startMs;
const cpu = process.cpuUsage(cpuFrom);
console.log(`${dist}: ${requests} requests, wall ${((wallMs * 1000) / requests).toFixed(1)} ` +
  `µs/request, CPU ${((cpu.user + cpu.system) / requests).toFixed(1)} µs/request, ` +
  `${ctx.committer.commits} commits`);
closeStore(store);
rmSync(dir, { recursive: true });
