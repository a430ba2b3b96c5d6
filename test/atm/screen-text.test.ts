import { describe, expect, it } from 'vitest';
import {
  bannerText,
  cancelledText,
  formatTime,
  idleText,
  receipt,
  unconfirmedText,
  waitingToLeaveText,
  welcomeText,
  wrapText,
} from '../../src/atm/screen-text.js';
import { Code } from '../../src/protocol/codes.js';

// A fixed local time: receipts print the time of day, so the tests pin it.
const AT = new Date(2026, 0, 31, 14, 5, 9);
const REF = '9f86d081884c7d65';

describe('receipt', () => {
  it('says what was deposited, the new balance, the time and the reference', () => {
    const line = receipt('deposit', { ok: true, balanceCents: 12000, txnId: REF }, 2000, AT);
    expect(line).toBe(`Deposited $20.00 at 14:05:09. New balance $120.00. Ref ${REF}.`);
  });

  it('says what was withdrawn, the new balance, the time and the reference', () => {
    const line = receipt('withdraw', { ok: true, balanceCents: 11450, txnId: REF }, 550, AT);
    expect(line).toBe(`Withdrew $5.50 at 14:05:09. New balance $114.50. Ref ${REF}.`);
  });

  it('says the balance and the time for a balance inquiry', () => {
    expect(receipt('balance', { ok: true, balanceCents: 123456 }, 0, AT)).toBe(
      'Your balance is $1,234.56 at 14:05:09.',
    );
  });

  it('names the balance when a withdrawal is refused for insufficient funds', () => {
    const outcome = { ok: false as const, code: Code.insufficientFunds, balanceCents: 11450 };
    expect(receipt('withdraw', outcome, 50000, AT)).toBe(
      'Insufficient funds: your balance is $114.50.',
    );
  });

  it('names what never reached the bank (25)', () => {
    const outcome = { ok: false as const, code: Code.noRecord, txnId: REF };
    expect(receipt('withdraw', outcome, 550, AT)).toContain('never received your withdrawal');
  });

  it('says a transaction cut off with the bank is not known yet, with amount and reference', () => {
    const outcome = { ok: false as const, code: Code.unavailable, txnId: REF };
    const line = receipt('deposit', outcome, 2000, AT);
    expect(line).toContain('deposit of $20.00');
    expect(line).toContain(`ref ${REF}`);
    expect(line).toContain('not known yet');
  });

  it('says the bank is not reachable when nothing was in flight', () => {
    const outcome = { ok: false as const, code: Code.unavailable };
    expect(receipt('balance', outcome, 0, AT)).toContain('not reachable');
  });

  it('fits an 80-column terminal once wrapped, even for the largest amounts', () => {
    const outcome = { ok: true as const, balanceCents: 1_000_000_000_000, txnId: 'f'.repeat(32) };
    const lines = wrapText(receipt('deposit', outcome, 1_000_000, AT), 80);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(80);
    expect(lines.join(' ')).toContain('$10,000,000,000.00');
  });
});

describe('formatTime', () => {
  it('prints the local time of day with two digits each', () => {
    expect(formatTime(new Date(2026, 5, 1, 7, 3, 4))).toBe('07:03:04');
    expect(formatTime(new Date(2026, 5, 1, 23, 59, 59))).toBe('23:59:59');
  });
});

describe('wrapText', () => {
  const sentence =
    'This account is blocked for a while after too many wrong PINs, or by the bank. ' +
    'Please try again later, or contact the bank.';

  it('keeps a short text on one indented line', () => {
    expect(wrapText('Done.', 80)).toEqual(['  Done.']);
  });

  it('breaks only at spaces, within the width, each line indented', () => {
    const lines = wrapText(sentence, 80);
    expect(lines.length).toBe(2);
    for (const line of lines) {
      expect(line.length).toBeLessThanOrEqual(80);
      expect(line).toMatch(/^ {2}\S/);
    }
    expect(lines.map((line) => line.trim()).join(' ')).toBe(sentence);
  });

  it('wraps to a narrow terminal too', () => {
    const lines = wrapText(sentence, 40);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(40);
    expect(lines.map((line) => line.trim()).join(' ')).toBe(sentence);
  });

  it('leaves a word longer than the width whole, on its own line', () => {
    const word = 'x'.repeat(100);
    expect(wrapText(`a ${word} b`, 80)).toEqual(['  a', `  ${word}`, '  b']);
  });
});

describe("the screens' own messages", () => {
  it('greets with the balance after a login or a reconnection', () => {
    expect(welcomeText('Welcome.', 123456)).toBe('Welcome. Your balance is $1,234.56.');
    expect(welcomeText('Reconnected.', 0)).toBe('Reconnected. Your balance is $0.00.');
  });

  it('says what was not done when the customer backs out', () => {
    expect(cancelledText('withdraw')).toBe('Cancelled: nothing was withdrawn.');
    expect(cancelledText('deposit')).toBe('Cancelled: nothing was deposited.');
  });

  it('says "logging out" only to someone logged in', () => {
    expect(idleText('ac-10001')).toBe('No answer for a while: logging you out.');
    expect(idleText(null)).toBe('No answer for a while.');
    expect(waitingToLeaveText('ac-10001')).toMatch(/^Logging out once the bank answers;/);
    expect(waitingToLeaveText(null)).toMatch(/^Leaving once the bank answers;/);
  });

  it('names the unconfirmed transaction, its amount and its reference at goodbye', () => {
    const text = unconfirmedText({ action: 'withdraw', amountCents: 550, txnId: REF });
    expect(text).toMatch(/^Your withdrawal of \$5\.50 \(ref 9f86d081884c7d65\) could not be/);
    expect(text).toContain('once or not at all');
    expect(unconfirmedText({ action: 'deposit', amountCents: 2000, txnId: REF })).toMatch(
      /^Your deposit of \$20\.00 /,
    );
  });

  it('names the bank server on the banner, indented like every message', () => {
    expect(bannerText({ host: '127.0.0.1', port: 65432 })).toBe(
      '  BANK ATM - connected to bank server 127.0.0.1:65432',
    );
  });
});
