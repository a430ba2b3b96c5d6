import type { AdminTx, BankView } from '../engine.js';
import type { Store } from './db.js';

/** Stub: the admin-seam branch implements these (one snapshot; one write transaction). */
export function sqliteRead<T>(store: Store, fn: (view: BankView) => Promise<T>): Promise<T> {
  void store; void fn;
  return Promise.reject(new Error('not yet'));
}

/** Stub: see sqliteRead. */
export function sqliteChange<T>(store: Store, fn: (tx: AdminTx) => Promise<T>): Promise<T> {
  void store; void fn;
  return Promise.reject(new Error('not yet'));
}
