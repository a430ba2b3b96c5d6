import { assert } from '../assert.js';
import { parseJsonObject } from '../json.js';

/**
 * The 'refusals' audit row: refusals before login, and connections closed for breaking a rule,
 * counted per address group and written one row per group per interval
 * (src/server/observe/audit-aggregator.ts) instead of one row each. Its peer is the group
 * (`127.0.1.0/24`), conn, account and code are NULL, and four columns say what it counts.
 */
export const SUMMARY_OP = 'refusals';

/**
 * The 'outage' audit row: the requests answered 91 because the database could not take them
 * (src/server/outage.ts), one row per outage, written once the database is back. Same columns as
 * a 'refusals' row; its peer is NULL (it counts every connection of this server).
 */
export const OUTAGE_OP = 'outage';

/** What a 'refusals' row counts: events in all, by code or close reason, first and last. */
export interface AuditSummary {
  events: number;
  /** Count per key: a result code (`30`) or the reason a connection was closed (`idle`). */
  codes: Map<string, number>;
  firstAt: number;
  lastAt: number;
}

/**
 * The codes column: a JSON object, codes first in numeric order, then reasons by name, so that
 * `--code 30` can find the rows counting a `30` by the text `"30":`.
 */
export function formatSummaryCodes(codes: Map<string, number>): string {
  const keys = [...codes.keys()].sort(compareKeys);
  return JSON.stringify(Object.fromEntries(keys.map((key) => [key, codes.get(key)!])));
}

function compareKeys(a: string, b: string): number {
  const [numberA, numberB] = [/^\d+$/.test(a), /^\d+$/.test(b)];
  if (numberA !== numberB) return numberA ? -1 : 1;
  return numberA ? Number(a) - Number(b) : a.localeCompare(b);
}

/** The counts in a codes column, in its order; null when the text is not such an object. */
export function parseSummaryCodes(text: string): [string, number][] | null {
  const parsed = parseJsonObject(text);
  if (parsed === null) return null;
  const entries = Object.entries(parsed);
  const counts = entries.filter(
    (entry): entry is [string, number] =>
      Number.isSafeInteger(entry[1]) && (entry[1] as number) >= 1,
  );
  return counts.length === entries.length ? counts : null;
}

/** The audit columns of a summary (the row's other fields are the group and the time). */
export function summaryColumns(summary: AuditSummary): {
  events: number;
  codes: string;
  firstAt: number;
  lastAt: number;
} {
  assert(summary.events >= 1, 'a summary counts at least one event');
  assert(summary.firstAt <= summary.lastAt, 'the first event is not after the last');
  const { events, firstAt, lastAt } = summary;
  return { events, codes: formatSummaryCodes(summary.codes), firstAt, lastAt };
}
