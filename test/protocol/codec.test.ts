import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Code } from '../../src/protocol/codes.js';
import { decodeReply, decodeRequest } from '../../src/protocol/decode.js';
import { encodeReply, encodeRequest } from '../../src/protocol/encode.js';
import { Limits } from '../../src/protocol/limits.js';
import type { Reply, Request } from '../../src/protocol/messages.js';
import { replyVectors, requestVectors } from './vectors.js';

// The golden vectors pin encode and decode one line at a time (encode.test.ts, decode.test.ts);
// here the round trip runs over messages nobody wrote down: every valid request and reply, drawn
// at random with a fixed seed, comes back from its own line unchanged.
const settings = { seed: 20_261_201, numRuns: 2_000 };

/** The line an encoder wrote, without the LF that the framer strips. */
function stripLf(wire: string): string {
  expect(wire.endsWith('\n')).toBe(true);
  return wire.slice(0, -1);
}

const txnId = fc.stringMatching(new RegExp(`^[A-Za-z0-9]{1,${Limits.txnIdCharsMax}}$`));
const amountCents = fc.integer({ min: 1, max: Limits.amountCentsMax });
const cents = fc.integer({ min: 0, max: Limits.balanceCentsMax });

/** Every request of PROTOCOL.md §3, as decodeRequest gives it (account numbers in lower case). */
const request: fc.Arbitrary<Request> = fc.oneof(
  fc.record({
    kind: fc.constant('login' as const),
    account: fc.stringMatching(/^[a-z]{2}-[0-9]{5}$/),
    pin: fc.stringMatching(/^[0-9]{4}$/),
  }),
  fc.constantFrom<Request>({ kind: 'logout' }, { kind: 'balance' }, { kind: 'ping' }),
  fc.record({ kind: fc.constantFrom('deposit' as const, 'withdraw' as const), txnId, amountCents }),
  fc.record({ kind: fc.constant('outcome' as const), txnId }),
);

/** Every reply shape of PROTOCOL.md §4. */
const reply: fc.Arbitrary<Reply> = fc.oneof(
  fc.record({ kind: fc.constant('bare' as const), code: fc.constantFrom(...Object.values(Code)) }),
  fc.record({
    kind: fc.constant('balance' as const),
    code: fc.constantFrom<0 | 51>(Code.ok, Code.insufficientFunds),
    balanceCents: cents,
  }),
  fc.record({
    kind: fc.constant('login' as const),
    code: fc.constant<0>(Code.ok),
    balanceCents: cents,
    lockTtlSeconds: fc.integer({ min: 1, max: 999_999 }),
  }),
  fc.record({
    kind: fc.constant('tries' as const),
    code: fc.constant(Code.incorrectPin),
    triesLeft: fc.integer({ min: 0, max: 9 }),
  }),
);

describe('codec round trip', () => {
  it('decodes every valid request from its own line: decode(encode(x)) = x', () => {
    fc.assert(
      fc.property(request, (message) => {
        expect(decodeRequest(stripLf(encodeRequest(message)))).toEqual(message);
      }),
      settings,
    );
  });

  it('decodes every valid reply from its own line: decode(encode(x)) = x', () => {
    fc.assert(
      fc.property(reply, (message) => {
        expect(decodeReply(stripLf(encodeReply(message)))).toEqual(message);
      }),
      settings,
    );
  });

  it('has no two golden vectors with the same line (the table is a bijection)', () => {
    const lines = [...requestVectors, ...replyVectors].map((v) => v.line);
    expect(new Set(lines).size).toBe(lines.length);
  });
});
