import { readBalances } from './bank-admin.js';
import { type Customer, loginWhenFree } from './customers.js';
import { sleep, until } from './poll.js';
import { randomInt, randomTxnId } from './random.js';
import { WireClient } from './wire.js';

/**
 * Crash rounds (test/integration/crash.test.ts and stress/stress.ts): clients deposit while the
 * server is killed with SIGKILL; what was acknowledged must be in the database after the
 * restart, and nothing that was never sent.
 */

/** One DEPOSIT as a client sent it; `reply` is set once the server acknowledged it. */
export interface DepositRecord {
  account: string;
  txnId: string;
  amountCents: number;
  reply?: string;
}

/** Everything the clients sent and every acknowledgement they got, across rounds. */
export interface DepositLedger {
  sent: DepositRecord[];
  acked: DepositRecord[];
  /** Replies no deposit should get (anything but `00 <balance>`). */
  unexpected: string[];
}

export function newLedger(): DepositLedger {
  return { sent: [], acked: [], unexpected: [] };
}

/** How one depositing client runs: its randomness, when to stop, and how much at most. */
interface LoadOptions {
  rng: () => number;
  stop: { done: boolean };
  depositsMax: number;
}

/**
 * One client: logs in, then deposits (one request at a time) until stop is set, the connection
 * is gone, or depositsMax. Each deposit enters `sent` before it is written.
 */
async function depositLoad(
  port: number,
  customer: Customer,
  ledger: DepositLedger,
  options: LoadOptions,
): Promise<void> {
  const login = await loginWhenFree(port, customer, { timeoutMs: 2000 }).catch(() => null);
  if (!login) return;
  const { peer, reply } = login;
  if (!reply.startsWith('00 ')) ledger.unexpected.push(`login ${customer.account}: ${reply}`);
  for (let i = 0; i < options.depositsMax && reply.startsWith('00 ') && !options.stop.done; i++) {
    const amountCents = randomInt(options.rng, 1, 10_000);
    const record = { account: customer.account, txnId: randomTxnId(options.rng), amountCents };
    ledger.sent.push(record);
    const request = `DEPOSIT ${record.txnId} ${record.amountCents}`;
    const answer = await peer.request(request).catch(() => null);
    if (answer === null) break; // the server is gone: this deposit's outcome is unknown
    if (!/^00 \d+$/.test(answer)) {
      ledger.unexpected.push(`${customer.account} ${request}: ${answer}`);
    }
    ledger.acked.push({ ...record, reply: answer });
  }
  peer.close();
}

/**
 * Loads the server with one depositing client per customer, waits until at least `ackedMin`
 * deposits of this round are acknowledged, kills the server with SIGKILL after a random pause,
 * and waits for the clients to notice. Fails if the acknowledgements do not come within 15 s (the
 * server is killed all the same).
 */
export async function runCrashRound(
  server: { port: number; kill: () => Promise<void> },
  customers: Customer[],
  ledger: DepositLedger,
  options: { rng: () => number; ackedMin: number; killDelayMsMax: number },
): Promise<void> {
  const stop = { done: false };
  const before = ledger.acked.length;
  const load = { rng: options.rng, stop, depositsMax: 5000 };
  const clients = customers.map((customer) => depositLoad(server.port, customer, ledger, load));
  try {
    await until(
      `${options.ackedMin} deposits acknowledged in this round`,
      () => ledger.acked.length >= before + options.ackedMin,
      15_000,
    );
    await sleep(randomInt(options.rng, 0, options.killDelayMsMax));
  } finally {
    await server.kill();
    stop.done = true;
    await Promise.all(clients);
  }
}

/** What the restarted server says of every deposit the clients ever sent. */
export interface DepositCheck {
  /** Acknowledged deposits whose OUTCOME is not their original reply: must be none. */
  lost: string[];
  /** Everything else that is wrong: a refused login, a balance that does not add up. */
  problems: string[];
  /** Deposits sent, and those the server says it applied (acknowledged or not). */
  sent: number;
  committed: number;
}

/**
 * Right after a restart, logs every customer in once (no 09: the killed server's locks must be
 * gone) and asks OUTCOME of every deposit ever sent on the account. An acknowledged one must get
 * its original reply; an unacknowledged one `00 <balance>` or `25`. The balance must be the
 * opening one plus the deposits the server says it applied, both in the login reply and in
 * `bank admin accounts`: so nothing acknowledged was lost, and nothing unsent was added.
 */
export async function checkDepositsAfterRestart(
  server: { port: number; dbFile: string },
  customers: Customer[],
  opening: Record<string, number>,
  ledger: DepositLedger,
): Promise<DepositCheck> {
  const check: DepositCheck = { lost: [], problems: [], sent: 0, committed: 0 };
  const expected = await Promise.all(
    customers.map((customer) =>
      checkAccountDeposits(server.port, customer, opening[customer.account]!, { ledger, check }),
    ),
  );
  const balances = readBalances(server.dbFile);
  customers.forEach(({ account }, i) => {
    const want = expected[i];
    const have = balances[account];
    if (want === undefined || have === want) return;
    check.problems.push(`${account}: admin says ${have}, not ${want}`);
  });
  return check;
}

/** One account's part of checkDepositsAfterRestart; returns the balance it must have. */
async function checkAccountDeposits(
  port: number,
  customer: Customer,
  openingCents: number,
  { ledger, check }: { ledger: DepositLedger; check: DepositCheck },
): Promise<number | undefined> {
  const { account } = customer;
  const records = ledger.sent.filter((r) => r.account === account);
  const ackedHere = ledger.acked.filter((r) => r.account === account);
  const acked = new Map(ackedHere.map((r) => [r.txnId, r.reply]));
  const peer = await WireClient.connect(port);
  try {
    const login = await peer.request(`LOGIN ${account} ${customer.pin}`);
    if (!/^00 \d+ \d+$/.test(login)) return void check.problems.push(`login ${account}: ${login}`);
    const replies = await peer.requestBurst(records.map((r) => `OUTCOME ${r.txnId}`));
    let balanceCents = openingCents;
    records.forEach((record, i) => {
      const [reply, ack] = [replies[i]!, acked.get(record.txnId)];
      const where = `${account} ${record.txnId}`;
      if (ack !== undefined && reply !== ack) {
        check.lost.push(`${where}: acked ${ack}, OUTCOME ${reply}`);
      } else if (ack === undefined && !/^(00 \d+|25)$/.test(reply)) {
        check.problems.push(`OUTCOME ${where}: ${reply}`);
      }
      if (reply.startsWith('00 ')) {
        balanceCents += record.amountCents;
        check.committed += 1;
      }
    });
    check.sent += records.length;
    if (login !== `00 ${balanceCents} 30`) {
      check.problems.push(`${account}: login ${login}, expected balance ${balanceCents}`);
    }
    const logout = await peer.request('LOGOUT');
    if (logout !== '00') check.problems.push(`logout ${account}: ${logout}`);
    return balanceCents;
  } finally {
    peer.close();
  }
}
