/**
 * Stub until the pg-infra branch lands (it owns this file): what `--db` names.
 */
export type DbTarget =
  | { kind: 'sqlite'; file: string }
  | { kind: 'postgres'; url: string; display: string };

/** A postgres:// or postgresql:// URL is PostgreSQL; anything else a SQLite file. */
export function parseDbTarget(text: string): DbTarget {
  if (/^postgres(ql)?:\/\//i.test(text)) return { kind: 'postgres', url: text, display: text };
  return { kind: 'sqlite', file: text };
}
