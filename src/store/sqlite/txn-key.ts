import type { Database } from 'better-sqlite3';

/**
 * The ledger's lookup key of a transaction id: a 53-bit hash of (account, txn id), so that the
 * index the idempotency lookup reads (transactions_by_key) holds one small integer per row, not
 * the pair. Two pairs may share a key: every lookup compares the full pair on the row too, so a
 * reused id is recognised exactly and forever (PROTOCOL.md §5.5 sets no bound).
 */
export function txnKey(account: string, txnId: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  const text = `${account}\u0000${txnId}`;
  for (let index = 0; index < text.length; index++) {
    const char = text.charCodeAt(index);
    h1 = Math.imul(h1 ^ char, 2654435761);
    h2 = Math.imul(h2 ^ char, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/**
 * Registers txnKey as the SQL function bank_txn_key(account, txn_id), which migration 006 and
 * the admin queries use. Registered on every connection before it migrates (db.ts).
 */
export function registerTxnKey(db: Database): void {
  db.function(
    'bank_txn_key',
    { deterministic: true, directOnly: true },
    (account: unknown, txnId: unknown) => txnKey(String(account), String(txnId)),
  );
}
