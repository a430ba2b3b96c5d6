import { describe, expect, it } from 'vitest';
import { Code } from '../../src/protocol/codes.js';
import { adminAuditEntry, liveSession } from '../../src/rules/admin.js';
import type { SessionRow } from '../../src/rules/types.js';

/** The rules operators' changes share on every engine (src/rules/admin.ts), without a database. */

const NOW = 1_700_000_000_000;
const TTL_MS = 30_000;

describe('adminAuditEntry', () => {
  it('is a row from peer admin, with no connection, code ok, and the balance given', () => {
    expect(
      adminAuditEntry({ account: 'ac-12345', op: 'open', balanceCents: 10_000, now: NOW }),
    ).toEqual({
      at: NOW,
      conn: null,
      peer: 'admin',
      account: 'ac-12345',
      op: 'open',
      amountCents: null,
      code: Code.ok,
      balanceCents: 10_000,
      txnId: null,
    });
    expect(
      adminAuditEntry({ account: 'ac-23456', op: 'block', balanceCents: null, now: 5 }),
    ).toEqual({
      at: 5,
      conn: null,
      peer: 'admin',
      account: 'ac-23456',
      op: 'block',
      amountCents: null,
      code: Code.ok,
      balanceCents: null,
      txnId: null,
    });
  });
});

describe('liveSession', () => {
  const lock = (account: string, heartbeatAt: number): SessionRow => ({
    account,
    holder: `srv/${account}`,
    peer: '127.0.1.9',
    startedAt: 1,
    heartbeatAt,
  });
  const at = { lockTtlMs: TTL_MS, now: NOW };

  it("finds the account's lock while its heartbeat is within the TTL, the TTL itself included", () => {
    for (const heartbeatAt of [NOW, NOW - 1, NOW - TTL_MS]) {
      const mine = lock('ac-12345', heartbeatAt);
      expect(liveSession([lock('ac-99999', NOW), mine], 'ac-12345', at)).toBe(mine);
    }
  });

  it('finds none once the heartbeat is older than the TTL (expired: the next login takes it)', () => {
    expect(liveSession([lock('ac-12345', NOW - TTL_MS - 1)], 'ac-12345', at)).toBeUndefined();
  });

  it('finds none for an account another session holds, or with no locks at all', () => {
    expect(liveSession([lock('ac-99999', NOW)], 'ac-12345', at)).toBeUndefined();
    expect(liveSession([], 'ac-12345', at)).toBeUndefined();
  });

  it('with an infinite TTL (no TTL known: seed --reset) every lock is live', () => {
    const old = lock('ac-12345', 0);
    expect(liveSession([old], 'ac-12345', { lockTtlMs: Number.POSITIVE_INFINITY, now: NOW })).toBe(
      old,
    );
  });
});
