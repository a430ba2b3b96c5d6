import { defaultServerConfig } from '../../src/server/config.js';
import type { Peer, ServerContext } from '../../src/server/context.js';
import { createServerLog } from '../../src/server/observe/log.js';
import { noMetrics } from '../../src/server/observe/metrics.js';
import { createLoginGuards } from '../../src/server/admission/pin-budget.js';
import type { BankOp, Outcome } from '../../src/rules/requests.js';
import type { Engine, PreLoginFacts } from '../../src/store/engine.js';

/** A server context on a fake engine that keeps each op submitted and answers as told. */
export interface FakeServer {
  ctx: ServerContext;
  /** Every op submitted, in order. */
  ops: BankOp[];
  /** The text of each log line (JSON), in order. */
  logLines: string[];
  /** How the engine answers an op; by default 00 (a LOGIN's reply for a login op). */
  answer: (op: BankOp) => Outcome;
}

/** The fake engine's default answer: 00, shaped as the op's reply would be. */
export function okOutcome(op: BankOp): Outcome {
  if (op.kind === 'note') return { reply: op.reply };
  if (op.kind === 'login') {
    return { reply: { kind: 'login', code: 0, balanceCents: 100, lockTtlSeconds: 30 } };
  }
  return { reply: { kind: 'bare', code: 0 } };
}

/** A ServerContext whose engine records ops (no database, no server process). */
export function fakeServer(nowMs = 5_000): FakeServer {
  const fake: FakeServer = { ctx: undefined!, ops: [], logLines: [], answer: okOutcome };
  const facts: PreLoginFacts = {
    operatorBlocked: false,
    accountUntilMs: 0,
    groupUntilMs: 0,
    pinHash: undefined,
  };
  const engine = {
    kind: 'sqlite',
    where: 'fake',
    submit: async (op: BankOp) => {
      fake.ops.push(op);
      return fake.answer(op);
    },
    loginFacts: async () => facts,
  } as unknown as Engine;
  const config = defaultServerConfig('fake.sqlite');
  fake.ctx = {
    engine,
    config,
    pinKey: Buffer.alloc(32),
    logins: createLoginGuards(config, () => {}),
    log: () => {},
    logger: createServerLog('info', 'json', (line) => fake.logLines.push(line)).logger,
    metrics: noMetrics,
    nowMs: () => nowMs,
  };
  return fake;
}

/** A connection from address, logged in to account unless it is null. */
export function fakePeer(address = '127.0.1.1', account: string | null = null): Peer {
  return {
    id: 7,
    address,
    holder: 'test/7',
    session: account === null ? null : { account },
    loginFailures: 0,
  };
}
