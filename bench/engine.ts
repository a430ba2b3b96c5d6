/**
 * `npx tsx bench/engine.ts [--dist DIR] [--sessions N] [--rounds R] [--db FILE|URL]`: the storage
 * engine alone, without sockets or the load generator: N logged-in sessions each submit one
 * request per round (the bench's mix: 40% balance, 40% deposit, 20% withdraw), so every round is
 * one group-commit batch of N. Prints the process's CPU and wall time per request. Far less noisy
 * than the socket bench, so it is the figure to compare two builds of the engine by: point
 * --dist at another checkout's dist/ (after `npm run build` there).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Origin, SessionAsk } from '../src/rules/requests.js';

const { values } = parseArgs({
  options: {
    dist: { type: 'string', default: fileURLToPath(new URL('../dist', import.meta.url)) },
    sessions: { type: 'string', default: '100' },
    rounds: { type: 'string', default: '400' },
    db: { type: 'string' },
  },
});
const sessions = Number(values.sessions);
const rounds = Number(values.rounds);
/** A module of the build under test (its dist/), typed as this checkout's source. */
const load = <T>(module: string): Promise<T> => import(join(values.dist, module)) as Promise<T>;
const { openEngine } = await load<typeof import('../src/store/open.js')>('store/open.js');
const { LOCKOUT_POLICY } = await load<typeof import('../src/lockout.js')>('lockout.js');

const dir = mkdtempSync(join(tmpdir(), 'bank-engine-bench-'));
const engine = await openEngine(values.db ?? join(dir, 'bank.sqlite'));
const LOCK_TTL_MS = 30_000;
const origins: Origin[] = Array.from({ length: sessions }, (_, index) => ({
  conn: index + 1,
  peer: '127.0.0.1',
  holder: `bench/${index + 1}`,
}));
const accounts = origins.map((_, index) => `ac-${String(index + 1).padStart(5, '0')}`);

await engine.change(async (tx) => {
  for (const account of accounts) {
    await tx.putAccount(
      { account, pinHash: 'x', balanceCents: 100_000_000, now: 1 },
      { replace: false },
    );
  }
});
const logins = await Promise.all(
  accounts.map((account, index) =>
    engine.submit({
      kind: 'login',
      origin: origins[index]!,
      account,
      group: '127.0.0.1',
      pin: 'right',
      lockTtlMs: LOCK_TTL_MS,
      policy: LOCKOUT_POLICY,
    }),
  ),
);
if (logins.some((login) => login.reply?.code !== 0)) throw new Error('a session did not log in');

let seed = 1;
const random = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
function askFor(draw: number, txnId: string): SessionAsk {
  if (draw < 0.4) return { kind: 'balance' };
  return { kind: draw < 0.8 ? 'deposit' : 'withdraw', txnId, amountCents: 1 };
}

/** One round: every session's request in one batch; each must be answered 00. */
async function round(index: number): Promise<void> {
  const outcomes = await Promise.all(
    accounts.map((account, at) =>
      engine.submit({
        kind: 'session',
        origin: origins[at]!,
        account,
        ask: askFor(random(), `${index.toString(36)}-${at}`),
        lockTtlMs: LOCK_TTL_MS,
      }),
    ),
  );
  if (outcomes.some((outcome) => outcome.reply?.code !== 0)) throw new Error('a request failed');
}

for (let index = 0; index < 20; index++) await round(-index - 1); // warm up
const cpuFrom = process.cpuUsage();
const startMs = performance.now();
for (let index = 0; index < rounds; index++) await round(index);
const wallMs = performance.now() - startMs;
const cpu = process.cpuUsage(cpuFrom);
const requests = sessions * rounds;
await engine.close();
rmSync(dir, { recursive: true, force: true });
const perRequest = (micros: number): string => (micros / requests).toFixed(1);
console.log(
  `engine: ${requests} requests in ${rounds} batches of ${sessions}: ` +
    `${perRequest(cpu.user + cpu.system)} µs CPU/request (user ${perRequest(cpu.user)}, ` +
    `system ${perRequest(cpu.system)}), ${perRequest(wallMs * 1000)} µs wall/request, ` +
    `${Math.round(requests / (wallMs / 1000))} requests/s`,
);
