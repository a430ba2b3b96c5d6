import { describe, expect, it } from 'vitest';
import { createServerLog, textLine } from '../../../src/server/observe/log.js';
import { txnPrefix } from '../../../src/server/observe/request-log.js';

describe('textLine', () => {
  it('reads as time, level, message, then key=value with dollars and two-digit codes', () => {
    const json = JSON.stringify({
      level: 'info',
      time: '2026-11-30T21:00:00.000Z',
      conn: 3000001,
      peer: '127.0.0.1',
      op: 'withdraw',
      code: 0,
      amount_cents: 2050,
      txn: 'ab12…',
      ms: 1.5,
      msg: 'request',
    });
    expect(textLine(json)).toBe(
      '2026-11-30T21:00:00.000Z info  request conn=3000001 ' +
        'peer=127.0.0.1 op=withdraw code=00 amount=$20.50 txn=ab12… ms=1.5\n',
    );
  });

  it('quotes values with spaces and leaves out empty fields', () => {
    const json = JSON.stringify({ level: 'warn', time: 't', msg: 'm', why: 'a b', account: null });
    expect(textLine(json)).toBe('t warn  m why="a b"\n');
  });
});

describe('createServerLog', () => {
  it('filters by level, and announces at every level in both formats', () => {
    for (const format of ['text', 'json'] as const) {
      const lines: string[] = [];
      const log = createServerLog('error', format, (line) => lines.push(line));
      log.logger.info('hidden');
      log.logger.error('shown');
      log.announce('listening on 127.0.0.1:1');
      expect(lines).toHaveLength(2);
      expect(lines.join('')).not.toContain('hidden');
      expect(lines[1]).toContain('listening on 127.0.0.1:1');
    }
  });
});

describe('txnPrefix', () => {
  it('logs at most four characters and at most half of an id', () => {
    expect(txnPrefix('abcdef123456')).toBe('abcd…');
    expect(txnPrefix('late1')).toBe('la…');
    expect(txnPrefix('x')).toBe('…');
  });
});
