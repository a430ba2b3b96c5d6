/**
 * The honest customer of `npm run stress -- --dos`: arrives, connects (TCP or TLS) from an
 * address no attacker uses, logs in, asks for the balance, logs out. Every wait is bounded.
 */
import { performance } from 'node:perf_hooks';
import { BenchSession } from '../../bench/load.js';
import type { Reply, Request } from '../../src/protocol/messages.js';
import { sleep } from '../../test/helpers/poll.js';
import { customerOf } from './plan.js';
import { countCode, type CustomerTally } from './report.js';

/** Where customers go and how patient they are. */
export interface CustomerPlan {
  port: number;
  /** The CA to trust: customers speak TLS when given one. */
  ca?: Buffer;
  /** A customer gives up on a connect or a reply after this long (counted as "timeout"). */
  timeoutMs: number;
  /** BALANCE requests in each session. */
  sessionRequests: number;
}

/** One customer. */
export interface Visitor {
  account: string;
  pin: string;
  address: string;
}

/** The two-digit code of a reply, or "closed" when the connection ended without one. */
export function replyCode(reply: Reply | null | 'timeout'): string {
  if (reply === 'timeout') return 'timeout';
  return reply === null ? 'closed' : String(reply.code).padStart(2, '0');
}

/** A request answered within the time, 'timeout' (the session is then closed), or null. */
export async function ask(
  session: BenchSession,
  request: Request,
  timeoutMs: number,
): Promise<Reply | null | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const reply = await Promise.race([session.request(request), late]);
  clearTimeout(timer);
  if (reply === 'timeout') session.close();
  return reply;
}

/** Connects within the time; the error's code ("ECONNRESET"…) or "timeout" otherwise. */
export async function connectWithin(
  plan: CustomerPlan,
  address: string,
): Promise<BenchSession | string> {
  const via = { localAddress: address, ...(plan.ca ? { ca: plan.ca } : {}) };
  const connecting = BenchSession.connect(plan.port, via).catch(
    (error: NodeJS.ErrnoException) => error.code ?? 'error',
  );
  const late = sleep(plan.timeoutMs).then(() => 'timeout' as const);
  const result = await Promise.race([connecting, late]);
  if (result === 'timeout') void connecting.then((s) => typeof s !== 'string' && s.close());
  return result;
}

/**
 * One visit: connect, LOGIN, BALANCE × n, LOGOUT. The login's time (from `startMs`, when the
 * customer arrived) goes in loginMs, or Infinity when it failed; its code in codes.
 */
export async function visit(
  plan: CustomerPlan,
  who: Visitor,
  tally: CustomerTally,
): Promise<string> {
  const startMs = performance.now();
  const session = await connectWithin(plan, who.address);
  if (typeof session === 'string') return failed(tally, session);
  const login = await ask(
    session,
    { kind: 'login', account: who.account, pin: who.pin },
    Math.max(1, plan.timeoutMs - (performance.now() - startMs)),
  );
  const code = replyCode(login);
  if (code !== '00') return (session.close(), failed(tally, code));
  tally.loginMs.push(performance.now() - startMs);
  countCode(tally.codes, code);
  for (let i = 0; i < plan.sessionRequests; i++) {
    const sentMs = performance.now();
    const reply = await ask(session, { kind: 'balance' }, plan.timeoutMs);
    if (replyCode(reply) !== '00') break;
    tally.sessionMs.push(performance.now() - sentMs);
  }
  await ask(session, { kind: 'logout' }, plan.timeoutMs);
  session.close();
  return code;
}

function failed(tally: CustomerTally, code: string): string {
  tally.loginMs.push(Infinity);
  countCode(tally.codes, code);
  return code;
}

/**
 * A new customer every intervalMs until endMs (open loop: arrivals do not wait for each other),
 * each with its own account and an unused address; resolves when every visit has ended.
 */
export async function runArrivals(
  plan: CustomerPlan,
  endMs: number,
  intervalMs: number,
  tally: CustomerTally,
): Promise<void> {
  const visits: Promise<string>[] = [];
  for (let k = 0; Date.now() < endMs; k++) {
    visits.push(visit(plan, customerOf(k), tally));
    await sleep(Math.min(intervalMs, Math.max(0, endMs - Date.now())));
  }
  await Promise.all(visits);
}
