import { describe, expect, it } from 'vitest';
import { CONNS_PER_RUN, ConnIds } from '../../src/server/conn-ids.js';
import { closeStore, openStore } from '../../src/store/db.js';
import { storeAnswers } from '../../src/store/health.js';

describe('ConnIds', () => {
  it('numbers connections run * 10^6 + n, a new run per start and per million', () => {
    const store = openStore(':memory:');
    const first = new ConnIds(store, 'test', () => 0);
    expect([first.next(), first.next()]).toEqual([CONNS_PER_RUN + 1, CONNS_PER_RUN + 2]);
    const second = new ConnIds(store, 'test', () => 0);
    expect(second.run).toBe(first.run + 1);
    expect(second.next()).toBe(second.run * CONNS_PER_RUN + 1);
    for (let n = 2; n < CONNS_PER_RUN; n++) second.next();
    expect(second.next()).toBe((first.run + 2) * CONNS_PER_RUN + 1); // the million-th: a new run
    closeStore(store);
  });
});

describe('storeAnswers (/healthz)', () => {
  it('is true while the database is open, false once closed', () => {
    const store = openStore(':memory:');
    expect(storeAnswers(store)).toBe(true);
    closeStore(store);
    expect(storeAnswers(store)).toBe(false);
  });
});
