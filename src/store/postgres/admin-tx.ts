import type { AdminTx } from '../engine.js';
import type { Query } from './query.js';

/** Stub: the pg-view branch implements admin changes on PostgreSQL. */
export function postgresAdminTx(q: Query): AdminTx {
  void q;
  throw new Error('not yet');
}
