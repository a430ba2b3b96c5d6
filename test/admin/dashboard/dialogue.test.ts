import { describe, expect, it } from 'vitest';
import { rebuildDialogue } from '../../../src/admin/dashboard/dialogue.js';
import type { AuditRow } from '../../../src/rules/types.js';

/** An audit row of connection 1000001 with the fields given. */
function row(id: number, fields: Partial<AuditRow>): AuditRow {
  return {
    id,
    at: 1_000 + id,
    conn: 1_000_001,
    peer: '127.0.0.1',
    account: 'ac-12345',
    op: 'balance',
    amountCents: null,
    code: 0,
    balanceCents: null,
    txnId: null,
    chain: 0,
    seq: 1,
    hash: 'h',
    ...fields,
  };
}

// Audit rows and the lines of PROTOCOL.md §8 they stand for (lock TTL 30 s).
const CASES: [string, Partial<AuditRow>, string[]][] = [
  [
    'a login',
    { op: 'login', code: 0, balanceCents: 10000 },
    ['C: LOGIN ac-12345 ****', 'S: 00 10000 30'],
  ],
  [
    'a wrong PIN (the tries left are not audited)',
    { op: 'login', code: 55 },
    ['C: LOGIN ac-12345 ****', 'S: 55'],
  ],
  [
    'a deposit',
    { op: 'deposit', amountCents: 2000, code: 0, balanceCents: 12000, txnId: '9f86d081884c7d65' },
    ['C: DEPOSIT 9f86… 2000', 'S: 00 12000'],
  ],
  [
    'a repeated withdrawal',
    {
      op: 'withdraw-repeat',
      amountCents: 550,
      code: 0,
      balanceCents: 11450,
      txnId: '2c26b46b68ffc68f',
    },
    ['C: WITHDRAW 2c26… 550', 'S: 00 11450'],
  ],
  [
    'insufficient funds',
    {
      op: 'withdraw',
      amountCents: 50000,
      code: 51,
      balanceCents: 11450,
      txnId: '7d865e959b246691',
    },
    ['C: WITHDRAW 7d86… 50000', 'S: 51 11450'],
  ],
  [
    'an amount over the limit, balance audited but not sent',
    { op: 'deposit', code: 61, amountCents: 2000000, balanceCents: 100, txnId: 'ab12' },
    ['C: DEPOSIT ab… 2000000', 'S: 61'],
  ],
  ['a balance', { op: 'balance', code: 0, balanceCents: 11450 }, ['C: BALANCE', 'S: 00 11450']],
  [
    'an unknown outcome',
    { op: 'outcome', code: 25, txnId: 'ffff0000' },
    ['C: OUTCOME ffff…', 'S: 25'],
  ],
  ['a ping', { op: 'ping', code: 0 }, ['C: PING', 'S: 00']],
  ['a logout', { op: 'logout', code: 0 }, ['C: LOGOUT', 'S: 00']],
  [
    'a line outside the grammar',
    { op: 'malformed', code: 30 },
    ['C: (a line outside the grammar)', 'S: 30'],
  ],
  ['a disconnect', { op: 'disconnect', code: null }, ['(disconnect)']],
];

describe('rebuildDialogue', () => {
  it.each(CASES)('writes %s as PROTOCOL.md does', (_, fields, lines) => {
    const rebuilt = rebuildDialogue([row(1, fields)], 30);
    expect(rebuilt.map((l) => (l.side === 'note' ? l.text : `${l.side}: ${l.text}`))).toEqual(
      lines,
    );
  });

  it('keeps the order of the rows and never shows a PIN', () => {
    const rows = [row(1, { op: 'login', code: 0, balanceCents: 5 }), row(2, { op: 'logout' })];
    const lines = rebuildDialogue(rows, 2).map((l) => l.text);
    expect(lines).toEqual(['LOGIN ac-12345 ****', '00 5 2', 'LOGOUT', '00']);
  });
});
