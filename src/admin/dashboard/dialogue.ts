import { Code, formatCode, isCode, type CodeNumber } from '../../protocol/codes.js';
import { txnPrefix } from '../../protocol/txn-prefix.js';
import type { AuditRow } from '../../rules/types.js';

/** A line of a rebuilt dialogue: what the ATM sent (C), what the server answered (S), a note. */
export interface DialogueLine {
  /** The audit row it was rebuilt from. */
  id: number;
  side: 'C' | 'S' | 'note';
  text: string;
}

/** What stands for the PIN: the audit never holds it, and the dashboard never shows one. */
export const PIN_MASK = '****';

/**
 * One connection's dialogue, rebuilt from its audit rows in the form of PROTOCOL.md §8
 * (`C: DEPOSIT 9f86… 2000` / `S: 00 12000`): transaction ids shortened as the server's log
 * shortens them, the PIN masked. What the audit does not keep (a 55's tries left, an amount field
 * that was no amount) is left out rather than guessed.
 */
export function rebuildDialogue(rows: AuditRow[], lockTtlSeconds: number): DialogueLine[] {
  return rows.flatMap((row) => dialogueOf(row, lockTtlSeconds));
}

/** The request and reply lines of one audit row, or a note for an event. */
function dialogueOf(row: AuditRow, lockTtlSeconds: number): DialogueLine[] {
  const request = requestLine(row);
  const code = row.code;
  if (request === undefined || code === null || !isCode(code)) {
    const what = code === null ? row.op : `${row.op} ${String(code).padStart(2, '0')}`;
    return [{ id: row.id, side: 'note', text: `(${what})` }];
  }
  const reply = replyLine(row, code, lockTtlSeconds);
  return [
    { id: row.id, side: 'C', text: request },
    { id: row.id, side: 'S', text: reply },
  ];
}

/** The request line an audit row records (PROTOCOL.md §3), undefined for an event. */
export function requestLine(row: AuditRow): string | undefined {
  const verb = row.op.replace(/-repeat$/, '');
  const txn = row.txnId === null ? '?' : txnPrefix(row.txnId);
  switch (verb) {
    case 'login':
      return `LOGIN ${row.account ?? '?'} ${PIN_MASK}`;
    case 'deposit':
    case 'withdraw':
      return `${verb.toUpperCase()} ${txn} ${row.amountCents ?? '?'}`;
    case 'outcome':
      return `OUTCOME ${txn}`;
    case 'balance':
    case 'ping':
    case 'logout':
      return verb.toUpperCase();
    case 'malformed':
      return '(a line outside the grammar)';
    default:
      return undefined;
  }
}

/** The reply line (PROTOCOL.md §4): which numbers follow depends on the code and the request. */
function replyLine(row: AuditRow, code: CodeNumber, lockTtlSeconds: number): string {
  const text = formatCode(code);
  const balance = row.balanceCents;
  if (balance === null) return text;
  if (row.op === 'login') return code === Code.ok ? `${text} ${balance} ${lockTtlSeconds}` : text;
  return code === Code.ok || code === Code.insufficientFunds ? `${text} ${balance}` : text;
}
