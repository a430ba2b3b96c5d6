import type { Store } from './db.js';

/** True while the database answers a trivial query: the server's /healthz. */
export function storeAnswers(store: Store): boolean {
  try {
    return store.db.open && store.db.prepare('SELECT 1').pluck().get() === 1;
  } catch {
    return false;
  }
}
