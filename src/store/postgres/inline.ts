import { escapeLiteral } from 'pg';
import { assert } from '../../assert.js';

/**
 * Statements with their parameters written in as SQL literals, so that several can go in one
 * text, one round trip (the simple protocol takes no parameters). Every value is quoted by
 * pg's escapeLiteral or checked to be an exact integer: nothing a client sent is ever SQL.
 */

/** A value as an SQL literal: NULL, an exact integer, a quoted text, or an ARRAY of them. */
export function literal(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (Array.isArray(value)) return `ARRAY[${value.map(literal).join(', ')}]`;
  if (typeof value === 'string') return escapeLiteral(value);
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  assert(typeof value === 'number' && Number.isSafeInteger(value), 'a number is an exact integer');
  return value < 0 ? `(${value})` : String(value);
}

/**
 * The statement with each $n replaced by the literal of params[n - 1]. The statements given
 * are this folder's own, whose only `$` are parameters; each array parameter carries its type
 * in the statement (`$1::text[]`), which an empty ARRAY[] needs.
 */
export function inlineParams(sql: string, params: unknown[]): string {
  return sql.replace(/\$(\d+)/g, (_, n: string) => {
    const index = Number(n) - 1;
    assert(index >= 0 && index < params.length, 'each $n names a parameter given');
    return literal(params[index]);
  });
}
