import { describe, expect, it } from 'vitest';
import { formatRow, formatTable } from '../../src/admin/table.js';

describe('formatTable', () => {
  it('pads each column to its widest cell, numbers to the right, with a rule under the header', () => {
    const rows = [
      ['a', '$1.00'],
      ['long name', '$1,000.00'],
    ];
    expect(formatTable(['name', 'amount'], rows, new Set([1])).split('\n')).toEqual([
      'name          amount',
      '---------  ---------',
      'a              $1.00',
      'long name  $1,000.00',
    ]);
  });

  it('keeps a header wider than every cell as the column width, aligned like its cells', () => {
    expect(
      formatTable(['account', 'n', 'status'], [['ac-1', '7', 'ok']], new Set([1])).split('\n'),
    ).toEqual(['account  n  status', '-------  -  ------', 'ac-1     7  ok']);
  });

  it('is the header and its rule alone for an empty table', () => {
    expect(formatTable(['account', 'balance'], [], new Set([1]))).toBe(
      'account  balance\n-------  -------',
    );
  });

  it('treats a missing cell as empty and leaves no spaces at the end of a line', () => {
    const lines = formatTable(['a', 'bb', 'c'], [['x'], ['', '', 'zzz'], ['y', '1']]).split('\n');
    expect(lines).toEqual(['a  bb  c', '-  --  ---', 'x', '       zzz', 'y  1']);
    expect(lines.every((line) => line === line.trimEnd())).toBe(true);
  });

  it('left-aligns every column unless told otherwise', () => {
    expect(formatTable(['n'], [['1'], ['100']]).split('\n')).toEqual(['n', '---', '1', '100']);
    expect(formatTable(['n'], [['1'], ['100']], new Set([0])).split('\n')).toEqual([
      '  n',
      '---',
      '  1',
      '100',
    ]);
  });
});

describe('formatRow', () => {
  it('lets a cell wider than its fixed column push the rest right (follow mode)', () => {
    expect(formatRow(['abcdef', 'x'], [3, 2], new Set())).toBe('abcdef  x');
    expect(formatRow(['1', 'x'], [3, 2], new Set([0]))).toBe('  1  x');
  });

  it('pads cells past the known widths by nothing', () => {
    expect(formatRow(['a', 'b', 'c'], [2], new Set([2]))).toBe('a   b  c');
  });
});
