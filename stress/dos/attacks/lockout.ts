/**
 * Lock-out by strangers (run in the main process: a handful of requests). The victim is logged
 * in from their own terminal; strangers from other groups send wrong PINs for the victim's
 * account; then the victim logs out and tries to log in again from their own address, every
 * half second until the end. Also: blocking the decoy account other attacks use.
 */
import { performance } from 'node:perf_hooks';
import { sleep } from '../../../test/helpers/poll.js';
import {
  ask,
  connectWithin,
  replyCode,
  visit,
  type CustomerPlan,
  type Visitor,
} from '../customer.js';
import { attackerAddress, blockerAddress, DECOY_BLOCK_TRIES, wrongPin } from '../plan.js';
import { countCode, newCustomerTally, type AttackerTally, type CustomerTally } from '../report.js';

/** How often the victim tries to log in again. */
const RETRY_MS = 500;

/** What a lock-out run saw. */
export interface LockoutResult {
  tally: CustomerTally;
  attacker: AttackerTally;
  notes: string[];
}

/** One LOGIN with a wrong PIN for `account` from `address`, on a connection of its own. */
async function wrongLogin(plan: CustomerPlan, account: string, address: string): Promise<string> {
  const session = await connectWithin(plan, address);
  if (typeof session === 'string') return session;
  const reply = await ask(session, { kind: 'login', account, pin: wrongPin('') }, plan.timeoutMs);
  session.close();
  return replyCode(reply);
}

/** `strangers` wrong PINs for the victim's account, each from another attacker group. */
async function strangersTry(
  plan: CustomerPlan,
  victim: Visitor,
  strangers: number,
  attacker: AttackerTally,
): Promise<string[]> {
  const codes: string[] = [];
  for (let i = 0; i < strangers; i++) {
    const code = await wrongLogin(plan, victim.account, attackerAddress(i));
    attacker.connects += 1;
    countCode(attacker.replies, code);
    codes.push(code);
  }
  return codes;
}

/** The lock-out attack with `strangers` wrong PINs; the victim retries until endMs. */
export async function runLockout(
  plan: CustomerPlan,
  victim: Visitor,
  strangers: number,
  endMs: number,
): Promise<LockoutResult> {
  const tally = newCustomerTally();
  const attacker = { connects: 0, connectErrors: 0, closedByServer: 0, replies: {}, extra: {} };
  const notes: string[] = [];
  const session = await connectWithin(plan, victim.address);
  if (typeof session === 'string') throw new Error(`the victim could not connect: ${session}`);
  const login = replyCode(await ask(session, { kind: 'login', ...victim }, plan.timeoutMs));
  const codes = await strangersTry(plan, victim, strangers, attacker);
  const blockedMs = performance.now();
  notes.push(`victim in (${login}); ${strangers} strangers got ${codes.join(',')}`);
  const sentMs = performance.now();
  const balance = replyCode(await ask(session, { kind: 'balance' }, plan.timeoutMs));
  if (balance === '00') tally.sessionMs.push(performance.now() - sentMs);
  notes.push(`victim's open session: BALANCE ${balance}`);
  await ask(session, { kind: 'logout' }, plan.timeoutMs);
  session.close();
  notes.push(await victimRetries(plan, victim, { tally, endMs, blockedMs }));
  return { tally, attacker, notes };
}

/** The victim logs in again every RETRY_MS until endMs; says when the first one got in. */
async function victimRetries(
  plan: CustomerPlan,
  victim: Visitor,
  run: { tally: CustomerTally; endMs: number; blockedMs: number },
): Promise<string> {
  let firstInMs: number | null = null;
  let tries = 0;
  while (Date.now() < run.endMs) {
    tries += 1;
    const code = await visit({ ...plan, sessionRequests: 1 }, victim, run.tally);
    if (code === '00' && firstInMs === null) firstInMs = performance.now() - run.blockedMs;
    await sleep(RETRY_MS);
  }
  return firstInMs === null
    ? `victim never back in (${tries} tries)`
    : `victim back in ${Math.round(firstInMs)} ms after the strangers`;
}

/** Blocks the decoy account with wrong PINs from the setup addresses; returns their codes. */
export async function blockDecoy(plan: CustomerPlan, decoy: { account: string }): Promise<string> {
  const codes: string[] = [];
  for (let k = 0; k < DECOY_BLOCK_TRIES; k++) {
    codes.push(await wrongLogin(plan, decoy.account, blockerAddress(k)));
  }
  return `decoy ${decoy.account} blocked first (${codes.join(',')})`;
}
