import { hash as digest } from 'node:crypto';
import type { AuditEntry } from '../rules/types.js';

/**
 * The audit's hash chains, the same on every engine: each row's hash covers the previous row's
 * hash in its chain and its own fields, so an edit or a deletion breaks the chain
 * (admin/verify.ts). Chain 0 is the one SQLite and `bank admin` write, and holds every row
 * written before chains existed; each PostgreSQL batch slot writes a chain of its own
 * (migrations/postgres/006_audit_chains.sql), so that servers never wait for each other's
 * COMMIT to append. A row's place is (chain, seq), seq counting from 1 within the chain.
 */

/** A chain's last row: its place (0 for an empty chain) and hash (the anchor when empty). */
export interface ChainTip {
  chain: number;
  seq: number;
  hash: string;
}

/** The chain every engine's admin changes write, and the only one SQLite's server writes. */
export const SHARED_CHAIN = 0;

/**
 * The hash a chain's first row chains to: '' for chain 0 (as before chains existed), and one
 * naming the chain for every other, so that a row moved to the head of another chain breaks.
 */
export function chainAnchor(chain: number): string {
  return chain === SHARED_CHAIN ? '' : hashFields('', ['chain', chain]);
}

/** The tip of a chain that has no row yet. */
export function emptyTip(chain: number): ChainTip {
  return { chain, seq: 0, hash: chainAnchor(chain) };
}

/** An entry's fields in column order (and hashing order), then its hash. */
export type AuditValues = (string | number | null)[];

/** The hash that chains a row to the one before it: sha256 over the previous hash and fields. */
export function auditHash(previousHash: string, entry: AuditEntry): string {
  return hashFields(previousHash, auditFields(entry));
}

/**
 * The hashed fields, in column order. A 'refusals' row's four columns (migration 002) are hashed
 * only when one is set, so every row written before them keeps the hash it was written with.
 */
export function auditFields(entry: AuditEntry): AuditValues {
  const fields = [
    entry.at,
    entry.conn,
    entry.peer,
    entry.account,
    entry.op,
    entry.amountCents,
    entry.code,
    entry.balanceCents,
    entry.txnId,
  ];
  const { events = null, codes = null, firstAt = null, lastAt = null } = entry;
  if (events === null && codes === null && firstAt === null && lastAt === null) return fields;
  fields.push(events, codes, firstAt, lastAt);
  return fields;
}

/** Fields past these are a 'refusals' row's four columns. */
const PLAIN_FIELDS = 9;

/** Turns a new row's hashed fields into the values appendAudit inserts (all columns, hash). */
export function toInsertValues(fields: AuditValues, hash: string): AuditValues {
  if (fields.length === PLAIN_FIELDS) fields.push(null, null, null, null);
  fields.push(hash);
  return fields;
}

export function hashFields(previousHash: string, fields: AuditValues): string {
  // One-shot hash of the concatenation: the same digest as update(previous).update(fields).
  return digest('sha256', previousHash + JSON.stringify(fields), 'hex');
}
