import type { BankView } from '../engine.js';
import type { Query } from './query.js';

/** Stub: the pg-view branch implements the snapshot's reads on PostgreSQL. */
export function postgresView(q: Query): BankView {
  void q;
  throw new Error('not yet');
}
