import { assert } from '../assert.js';

/** Rows read per query when a whole table or the audit is walked (keyset pagination). */
export const PAGE_ROWS = 1000;

/**
 * Walks rows a page at a time: readPage gets the last row of the page before (undefined for the
 * first) and returns at most pageRows rows after it, in order; a shorter page is the last. Each
 * page is one query, so a walk over millions of rows holds one page in memory, not all of them.
 */
export async function* readPages<R>(
  readPage: (last: R | undefined) => R[] | Promise<R[]>,
  pageRows = PAGE_ROWS,
): AsyncIterable<R> {
  assert(pageRows >= 1, 'a page holds at least one row');
  let last: R | undefined;
  for (;;) {
    const rows = await readPage(last);
    assert(rows.length <= pageRows, 'a page holds at most pageRows rows');
    yield* rows;
    if (rows.length < pageRows) return;
    last = rows[rows.length - 1];
  }
}
