import { describe, expect, it } from 'vitest';
import { Code } from '../../src/protocol/codes.js';
import { closeAuditAggregator } from '../../src/server/observe/audit-aggregator.js';
import type { BankOp } from '../../src/rules/requests.js';
import { endSession, recordEvent, submit } from '../../src/server/submit.js';
import { fakePeer, fakeServer } from '../helpers/fake-engine.js';

const ACCOUNT = 'ac-10001';
const ORIGIN = { conn: 7, peer: '127.0.1.1', holder: 'test/7' };
const failed = { kind: 'bare', code: Code.internal } as const;

describe('submit', () => {
  it("logs a failed request's cause with its connection and op, and returns its reply", async () => {
    const fake = fakeServer();
    fake.answer = () => ({ reply: failed, failure: new Error('disk on fire') });
    const op = { kind: 'logout', origin: ORIGIN, account: ACCOUNT, op: 'logout' } as const;
    expect(await submit(fake.ctx, fakePeer(), op)).toMatchObject({ reply: failed });
    expect(fake.ops).toEqual([op]);
    expect(fake.logLines).toHaveLength(1);
    const line = JSON.parse(fake.logLines[0]!) as { level: string; msg: string };
    expect(line.level).toBe('error');
    expect(line.msg).toMatch(/^conn 7 internal error in logout: Error: disk on fire/);
  });

  it('logs a thrown value that is not an Error as its text', async () => {
    const fake = fakeServer();
    fake.answer = () => ({ reply: failed, failure: 'bad row' });
    const op: BankOp = { kind: 'note', entries: [], reply: null };
    await submit(fake.ctx, fakePeer(), op);
    expect(JSON.parse(fake.logLines[0]!)).toMatchObject({
      msg: 'conn 7 internal error in note: bad row',
    });
  });

  it('logs nothing for a request that did not fail', async () => {
    const fake = fakeServer();
    const op: BankOp = { kind: 'note', entries: [], reply: failed };
    expect(await submit(fake.ctx, fakePeer(), op)).toEqual({ reply: failed });
    expect(fake.logLines).toEqual([]);
  });
});

describe('recordEvent', () => {
  it('before login, counts the event in its address group and submits nothing', async () => {
    const { ctx, ops } = fakeServer();
    await recordEvent(ctx, fakePeer('127.0.3.9'), 'queue-full');
    expect(ops).toEqual([]);
    await closeAuditAggregator(ctx);
    expect(ops).toMatchObject([
      {
        kind: 'note',
        reply: null,
        entries: [
          {
            op: 'refusals',
            peer: '127.0.3.0/24',
            account: null,
            events: 1,
            codes: '{"queue-full":1}',
          },
        ],
      },
    ]);
  });

  it('after login, submits one note with the event and no reply', async () => {
    const { ctx, ops } = fakeServer(9_000);
    await recordEvent(ctx, fakePeer('127.0.1.1', ACCOUNT), 'queue-full');
    expect(ops).toEqual([
      {
        kind: 'note',
        reply: null,
        entries: [
          {
            at: 9_000,
            conn: 7,
            peer: '127.0.1.1',
            account: ACCOUNT,
            op: 'queue-full',
            amountCents: null,
            code: null,
            balanceCents: null,
            txnId: null,
          },
        ],
      },
    ]);
  });
});

describe('endSession', () => {
  it('hands over a logout op naming why the session ended', async () => {
    for (const why of ['logout', 'disconnect'] as const) {
      const { ctx, ops } = fakeServer();
      expect(await endSession(ctx, fakePeer('127.0.1.1', ACCOUNT), why)).toEqual({
        kind: 'bare',
        code: Code.ok,
      });
      expect(ops).toEqual([{ kind: 'logout', origin: ORIGIN, account: ACCOUNT, op: why }]);
    }
  });
});
