import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Code } from '../../src/protocol/codes.js';
import { decodeReply, decodeRequest } from '../../src/protocol/decode.js';
import { encodeReply, encodeRequest } from '../../src/protocol/encode.js';
import { Framer } from '../../src/protocol/framer.js';
import { Limits, requestBytesLongest } from '../../src/protocol/limits.js';
import { txnIdLongest } from './vectors.js';

const protocolMd = readFileSync(new URL('../../PROTOCOL.md', import.meta.url), 'utf8');

/** The longest request the grammar allows: the longest verb, id and amount (PROTOCOL.md §3). */
const longestRequest = `WITHDRAW ${txnIdLongest} ${Limits.amountCentsMax}`;
const longestLogin = 'LOGIN ac-12345 1234';

describe('Limits match PROTOCOL.md §2 and §7', () => {
  it('has the documented values', () => {
    expect(Limits.frameBytesAnonMax).toBe(64);
    expect(Limits.frameBytesMax).toBe(128);
    expect(Limits.replyBytesMax).toBe(64);
    expect(Limits.amountCentsMax).toBe(1_000_000);
    expect(Limits.balanceCentsMax).toBe(1_000_000_000_000);
    expect(Limits.txnIdCharsMax).toBe(32);
    expect(Limits.pinAttemptsMax).toBe(3);
  });

  it('states the same values in the limits table', () => {
    expect(protocolMd).toContain('| request line before login | 64 bytes |');
    expect(protocolMd).toContain('| request line after login | 128 bytes |');
    expect(protocolMd).toContain('| reply line | 64 bytes |');
    expect(protocolMd).toContain('$10,000.00 (1,000,000 cents)');
    expect(protocolMd).toContain('| transaction id | 32 letters or digits |');
    expect(protocolMd).toContain(
      '| wrong PINs per account from one address group (/24, /64) | 3 |',
    );
  });
});

describe('amount: 1 to amountCentsMax cents', () => {
  it('takes the smallest amount, 1 cent', () => {
    expect(decodeRequest('DEPOSIT t 1')).toEqual({ kind: 'deposit', txnId: 't', amountCents: 1 });
  });

  it('refuses one below it, 0, with 13', () => {
    expect(decodeRequest('DEPOSIT t 0')).toMatchObject({ code: Code.invalidAmount });
  });

  it('takes exactly amountCentsMax', () => {
    expect(decodeRequest(`WITHDRAW t ${Limits.amountCentsMax}`)).toEqual({
      kind: 'withdraw',
      txnId: 't',
      amountCents: Limits.amountCentsMax,
    });
  });

  it('refuses one past it with 61', () => {
    expect(decodeRequest(`WITHDRAW t ${Limits.amountCentsMax + 1}`)).toMatchObject({
      code: Code.amountLimit,
    });
  });

  it('refuses amountDigitsMax digits and one more with 61, unread', () => {
    const nines = '9'.repeat(Limits.amountDigitsMax);
    expect(decodeRequest(`DEPOSIT t ${nines}`)).toMatchObject({ code: Code.amountLimit });
    expect(decodeRequest(`DEPOSIT t ${nines}9`)).toMatchObject({ code: Code.amountLimit });
  });

  it('has amountDigitsMax digits enough to write amountCentsMax', () => {
    expect(String(Limits.amountCentsMax).length).toBeLessThanOrEqual(Limits.amountDigitsMax);
  });
});

describe('txn-id: 1 to txnIdCharsMax letters or digits', () => {
  const idOf = (n: number): string => 'x'.repeat(n);

  it('takes one character', () => {
    expect(decodeRequest(`OUTCOME ${idOf(1)}`)).toEqual({ kind: 'outcome', txnId: 'x' });
  });

  it.each(['DEPOSIT', 'WITHDRAW'])('%s takes exactly txnIdCharsMax characters', (verb) => {
    const txnId = idOf(Limits.txnIdCharsMax);
    expect(decodeRequest(`${verb} ${txnId} 5`)).toMatchObject({ txnId, amountCents: 5 });
  });

  it.each(['DEPOSIT', 'WITHDRAW'])('%s refuses one more with 30', (verb) => {
    const txnId = idOf(Limits.txnIdCharsMax + 1);
    expect(decodeRequest(`${verb} ${txnId} 5`)).toEqual({ kind: 'error', code: Code.formatError });
  });

  it('OUTCOME takes txnIdCharsMax characters and refuses one more with 30', () => {
    const txnId = idOf(Limits.txnIdCharsMax);
    expect(decodeRequest(`OUTCOME ${txnId}`)).toEqual({ kind: 'outcome', txnId });
    expect(decodeRequest(`OUTCOME ${txnId}x`)).toEqual({ kind: 'error', code: Code.formatError });
  });
});

describe('frames: the longest legal line fits, one byte more does not', () => {
  it('the longest legal request decodes and, with CRLF, fits frameBytesMax', () => {
    expect(decodeRequest(longestRequest)).toMatchObject({ kind: 'withdraw' });
    const wire = `${longestRequest}\r\n`;
    expect(wire.length).toBeLessThanOrEqual(Limits.frameBytesMax);
    expect(wire.length).toBeLessThanOrEqual(requestBytesLongest);
    const framer = new Framer(Limits.frameBytesMax);
    expect(framer.push(Buffer.from(wire, 'latin1'))).toEqual({ frames: [longestRequest] });
  });

  it('the encoder never writes a request longer than requestBytesLongest', () => {
    const request = { kind: 'deposit', txnId: txnIdLongest, amountCents: Limits.amountCentsMax };
    const wire = encodeRequest(request as Parameters<typeof encodeRequest>[0]);
    expect(wire.length).toBeLessThanOrEqual(requestBytesLongest);
    expect(requestBytesLongest).toBeLessThanOrEqual(Limits.frameBytesMax);
  });

  it('LOGIN with CRLF fits the frame before login', () => {
    const wire = `${longestLogin}\r\n`;
    expect(wire.length).toBeLessThanOrEqual(Limits.frameBytesAnonMax);
    const framer = new Framer(Limits.frameBytesAnonMax);
    expect(framer.push(Buffer.from(wire, 'latin1'))).toEqual({ frames: [longestLogin] });
  });

  it.each([
    ['frameBytesAnonMax', 'before', Limits.frameBytesAnonMax],
    ['frameBytesMax', 'after', Limits.frameBytesMax],
  ])('a line of %s bytes passes %s login; one more closes', (_name, _when, frameBytesMax) => {
    const line = 'L'.repeat(frameBytesMax - 1);
    expect(new Framer(frameBytesMax).push(Buffer.from(`${line}\n`))).toEqual({ frames: [line] });
    const overflow = { error: 'overflow' };
    expect(new Framer(frameBytesMax).push(Buffer.from(`${line}L\n`))).toEqual(overflow);
  });

  it('the longest reply the grammar allows fits replyBytesMax with CRLF', () => {
    // cents = "0" / %x31-39 *15DIGIT; ttl-seconds = %x31-39 *5DIGIT
    const longest = `00 ${'9'.repeat(16)} ${'9'.repeat(6)}\r\n`;
    expect(longest.length).toBeLessThanOrEqual(Limits.replyBytesMax);
  });

  it('the largest real login reply encodes, decodes and fits replyBytesMax', () => {
    const reply = {
      kind: 'login',
      code: 0,
      balanceCents: Limits.balanceCentsMax,
      lockTtlSeconds: 999_999,
    } as const;
    const wire = encodeReply(reply);
    expect(wire.length).toBeLessThanOrEqual(Limits.replyBytesMax);
    expect(decodeReply(wire.slice(0, -1))).toEqual(reply);
  });
});

describe('balance: sums stay exact', () => {
  it('keeps balanceCentsMax + amountCentsMax a safe integer', () => {
    expect(Number.isSafeInteger(Limits.balanceCentsMax + Limits.amountCentsMax)).toBe(true);
  });
});
