import { describe, expect, it } from 'vitest';
import { Code } from '../../src/protocol/codes.js';
import { closeAuditAggregator } from '../../src/server/observe/audit-aggregator.js';
import { handleFrame } from '../../src/server/dispatch.js';
import type { BankOp } from '../../src/rules/requests.js';
import { fakePeer, fakeServer, okOutcome } from '../helpers/fake-engine.js';

const ACCOUNT = 'ac-10001';
const ORIGIN = { conn: 7, peer: '127.0.1.1', holder: 'test/7' };
/** The server's lock TTL (the default), which every session op carries for its heartbeat. */
const LOCK_TTL_MS = 30_000;
const bare = (code: number): unknown => ({ kind: 'bare', code });

describe('handleFrame: the op each request hands to the engine', () => {
  it('hands each request of a session to the engine as the session ask it is', async () => {
    const asks: [string, unknown][] = [
      ['DEPOSIT t1 150', { kind: 'deposit', txnId: 't1', amountCents: 150 }],
      ['WITHDRAW t2 2000', { kind: 'withdraw', txnId: 't2', amountCents: 2000 }],
      ['BALANCE', { kind: 'balance' }],
      ['PING', { kind: 'ping' }],
      ['OUTCOME t1', { kind: 'outcome', txnId: 't1' }],
    ];
    for (const [line, ask] of asks) {
      const { ctx, ops } = fakeServer();
      const peer = fakePeer('127.0.1.1', ACCOUNT);
      expect(await handleFrame(ctx, peer, line)).toEqual(bare(Code.ok));
      expect(ops).toEqual([
        { kind: 'session', origin: ORIGIN, account: ACCOUNT, ask, lockTtlMs: LOCK_TTL_MS },
      ]);
      expect(peer.session).toEqual({ account: ACCOUNT });
    }
  });

  it('hands LOGIN over as a login op of the address group, and opens the session on 00', async () => {
    const { ctx, ops } = fakeServer();
    const peer = fakePeer();
    const reply = await handleFrame(ctx, peer, 'LOGIN AC-10001 1234');
    expect(reply).toMatchObject({ kind: 'login', code: Code.ok });
    expect(ops).toMatchObject([
      {
        kind: 'login',
        origin: ORIGIN,
        account: ACCOUNT,
        group: '127.0.1.0/24',
        pin: 'wrong',
        lockTtlMs: ctx.config.lockTtlMs,
      },
    ]);
    expect(peer.session).toEqual({ account: ACCOUNT });
  });

  it('leaves the session closed when the engine refuses a LOGIN', async () => {
    const fake = fakeServer();
    fake.answer = () => ({ reply: { kind: 'tries', code: Code.incorrectPin, triesLeft: 2 } });
    const peer = fakePeer();
    expect(await handleFrame(fake.ctx, peer, 'LOGIN ac-10001 1234')).toMatchObject({
      code: Code.incorrectPin,
    });
    expect(peer.session).toBeNull();
  });

  it('ends the session with a logout op on LOGOUT, whatever the engine answers', async () => {
    const fake = fakeServer();
    fake.answer = () => ({ reply: bare(Code.sessionExpired) as never });
    const peer = fakePeer('127.0.1.1', ACCOUNT);
    expect(await handleFrame(fake.ctx, peer, 'LOGOUT')).toEqual(bare(Code.sessionExpired));
    expect(fake.ops).toEqual([{ kind: 'logout', origin: ORIGIN, account: ACCOUNT, op: 'logout' }]);
    expect(peer.session).toBeNull();
  });

  it.each([Code.sessionExpired, Code.restrictedCard])(
    'ends the session on any %i, and keeps it on any other refusal',
    async (code) => {
      const fake = fakeServer();
      const peer = fakePeer('127.0.1.1', ACCOUNT);
      fake.answer = () => ({
        reply: { kind: 'balance', code: Code.insufficientFunds, balanceCents: 5 },
      });
      await handleFrame(fake.ctx, peer, 'WITHDRAW t3 100');
      expect(peer.session).toEqual({ account: ACCOUNT });
      fake.answer = () => ({ reply: bare(code) as never });
      expect(await handleFrame(fake.ctx, peer, 'BALANCE')).toEqual(bare(code));
      expect(peer.session).toBeNull();
    },
  );
});

describe('handleFrame: refusals in the order of PROTOCOL.md §6', () => {
  /** The 'refusals' summary the aggregator writes at close (a note op with no reply). */
  const summaryNotes = (ops: BankOp[]): unknown[] =>
    ops.flatMap((op) => (op.kind === 'note' ? op.entries : [])).filter((e) => e.op === 'refusals');

  it('answers a malformed line before login 30, counting it and submitting nothing', async () => {
    const { ctx, ops } = fakeServer();
    const peer = fakePeer();
    expect(await handleFrame(ctx, peer, 'HELLO there')).toEqual(bare(Code.formatError));
    expect(ops).toEqual([]);
    await closeAuditAggregator(ctx);
    expect(summaryNotes(ops)).toMatchObject([
      { peer: '127.0.1.0/24', events: 1, codes: JSON.stringify({ [Code.formatError]: 1 }) },
    ]);
  });

  it('submits a malformed line after login as an audit note with its 30', async () => {
    const { ctx, ops } = fakeServer();
    const peer = fakePeer('127.0.1.1', ACCOUNT);
    expect(await handleFrame(ctx, peer, 'HELLO there')).toEqual(bare(Code.formatError));
    expect(ops).toMatchObject([
      {
        kind: 'note',
        reply: bare(Code.formatError),
        entries: [{ conn: 7, account: ACCOUNT, op: 'malformed', code: Code.formatError }],
      },
    ]);
    expect(peer.session).toEqual({ account: ACCOUNT });
  });

  it('answers LOGIN in a session 12, as a note, and keeps the session', async () => {
    const { ctx, ops } = fakeServer();
    const peer = fakePeer('127.0.1.1', ACCOUNT);
    expect(await handleFrame(ctx, peer, 'LOGIN ac-10002 1234')).toEqual(
      bare(Code.invalidTransaction),
    );
    expect(ops).toMatchObject([
      { kind: 'note', entries: [{ account: ACCOUNT, op: 'login', code: Code.invalidTransaction }] },
    ]);
    expect(peer.session).toEqual({ account: ACCOUNT });
  });

  it('answers a request before login 12 ahead of its bad amount, submitting nothing', async () => {
    for (const line of ['DEPOSIT t1 150', 'DEPOSIT t1 0', 'BALANCE', 'LOGOUT']) {
      const { ctx, ops } = fakeServer();
      expect(await handleFrame(ctx, fakePeer(), line)).toEqual(bare(Code.invalidTransaction));
      expect(ops).toEqual([]);
    }
  });

  it('hands a bad amount in a session to the engine as a refusal, so 68 can come first', async () => {
    const fake = fakeServer();
    const peer = fakePeer('127.0.1.1', ACCOUNT);
    expect(await handleFrame(fake.ctx, peer, 'DEPOSIT t1 0')).toEqual(bare(Code.ok));
    expect(fake.ops.at(-1)).toEqual({
      kind: 'session',
      origin: ORIGIN,
      account: ACCOUNT,
      ask: { kind: 'refusal', op: 'deposit', code: Code.invalidAmount },
      lockTtlMs: LOCK_TTL_MS,
    });
    fake.answer = (op) =>
      op.kind === 'session' ? { reply: bare(Code.sessionExpired) as never } : okOutcome(op);
    expect(await handleFrame(fake.ctx, peer, 'WITHDRAW t2 0')).toEqual(bare(Code.sessionExpired));
    expect(fake.ops.at(-1)).toMatchObject({ ask: { kind: 'refusal', op: 'withdraw' } });
    expect(peer.session).toBeNull();
  });
});
