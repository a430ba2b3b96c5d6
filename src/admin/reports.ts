import { formatCents } from '../money.js';
import { Code, formatCode, isCode, type CodeName } from '../protocol/codes.js';
import { parseSummaryCodes } from '../store/audit-summary.js';
import { lockExpired } from '../rules/session.js';
import type { BankView } from '../store/engine.js';
import type { AuditFilter, AuditRow, SessionRow } from '../rules/types.js';
import { formatRow, formatTable } from './table.js';

/** An account as `admin accounts` shows it: balance, status, and its wrong-PIN counts. */
interface AccountView {
  account: string;
  balanceCents: number;
  status: 'open' | 'closed' | 'blocked' | 'locked';
  /** End of a lock-out everywhere (status locked), else 0. */
  lockedUntilMs: number;
  wrongPins: number;
  groupsBlocked: number;
}

/** Every account with its lock-out state (PROTOCOL.md §5.2), as of now. */
async function accountViews(view: BankView, nowMs: number): Promise<AccountView[]> {
  const lockouts = new Map((await view.lockoutStatus(nowMs)).map((row) => [row.account, row]));
  return (await view.accounts()).map((a) => {
    const lockout = lockouts.get(a.account);
    const lockedUntilMs = lockout?.lockedUntilMs ?? 0;
    const status = a.closed
      ? 'closed'
      : lockout?.blocked
        ? 'blocked'
        : lockedUntilMs > nowMs
          ? 'locked'
          : 'open';
    return {
      account: a.account,
      balanceCents: a.balanceCents,
      status,
      lockedUntilMs,
      wrongPins: lockout?.wrongPins ?? 0,
      groupsBlocked: lockout?.groupsBlocked ?? 0,
    };
  });
}

/**
 * `admin accounts`: one line per account, or one JSON object per line. JSON keeps the README's
 * `account` and `balance_cents` first and adds the lock-out state after them.
 */
export async function reportAccounts(
  view: BankView,
  json: boolean,
  nowMs = Date.now(),
): Promise<string> {
  const accounts = await accountViews(view, nowMs);
  if (json) return accounts.map((a) => JSON.stringify(accountJson(a))).join('\n');
  if (accounts.length === 0) return 'no accounts (load some with: bank admin seed)';
  const rows = accounts.map((a) => [
    a.account,
    formatCents(a.balanceCents),
    statusText(a),
    String(a.wrongPins),
    String(a.groupsBlocked),
  ]);
  const headers = ['account', 'balance', 'status', 'wrong PINs', 'groups blocked'];
  return formatTable(headers, rows, new Set([1, 3, 4]));
}

/** One account as the JSON the README documents. */
function accountJson(a: AccountView): Record<string, unknown> {
  return {
    account: a.account,
    balance_cents: a.balanceCents,
    status: a.status,
    locked_until: a.lockedUntilMs > 0 ? new Date(a.lockedUntilMs).toISOString() : null,
    wrong_pins: a.wrongPins,
    groups_blocked: a.groupsBlocked,
  };
}

/** open, closed, blocked (by an operator), or locked out everywhere until a local time. */
function statusText(a: AccountView): string {
  return a.status === 'locked' ? `locked out until ${localTime(a.lockedUntilMs)}` : a.status;
}

const AUDIT_HEADERS = [
  'id',
  'time',
  'conn',
  'peer',
  'account',
  'op',
  'amount',
  'code',
  'balance',
  'txn',
];
const AUDIT_RIGHT = new Set([0, 2, 6, 8]);
/** Column widths for `audit --follow`, which prints rows before it has seen them all. */
const AUDIT_FOLLOW_WIDTHS = [5, 19, 4, 9, 8, 10, 10, 18, 14, 16];

/** `admin audit`: the audit log, newest last, as a table or one JSON object per line. */
export async function reportAudit(
  view: BankView,
  filter: AuditFilter,
  json: boolean,
): Promise<string> {
  const rows = await view.audit(filter);
  if (json) return rows.map(formatAuditJson).join('\n');
  if (rows.length === 0) return 'no audit rows match';
  return formatTable(AUDIT_HEADERS, rows.map(auditCells), AUDIT_RIGHT);
}

/** The heading `audit --follow` prints once, in the widths of auditLine. */
export function auditHeading(): string {
  const rule = AUDIT_FOLLOW_WIDTHS.map((width) => '-'.repeat(width));
  return [
    formatRow(AUDIT_HEADERS, AUDIT_FOLLOW_WIDTHS, AUDIT_RIGHT),
    formatRow(rule, AUDIT_FOLLOW_WIDTHS, AUDIT_RIGHT),
  ].join('\n');
}

/** One audit row as a line under auditHeading. */
export function auditLine(row: AuditRow): string {
  return formatRow(auditCells(row), AUDIT_FOLLOW_WIDTHS, AUDIT_RIGHT);
}

/** One audit row as one line of JSON. */
export function formatAuditJson(row: AuditRow): string {
  return JSON.stringify(auditJson(row));
}

/**
 * One audit row as the JSON the README documents; a 'refusals' row has four keys more: events,
 * codes (`{"30":10,"idle":1}`), first_at and last_at.
 */
export function auditJson(row: AuditRow): Record<string, unknown> {
  const json: Record<string, unknown> = {
    id: row.id,
    at: new Date(row.at).toISOString(),
    conn: row.conn,
    peer: row.peer,
    account: row.account,
    op: row.op,
    amount_cents: row.amountCents,
    code: row.code,
    balance_cents: row.balanceCents,
    txn_id: row.txnId,
  };
  if (!isSummary(row)) return json;
  const codes = Object.fromEntries(parseSummaryCodes(row.codes) ?? []);
  return {
    ...json,
    events: row.events,
    codes,
    first_at: new Date(row.firstAt).toISOString(),
    last_at: new Date(row.lastAt).toISOString(),
  };
}

type SummaryRow = AuditRow & { events: number; codes: string; firstAt: number; lastAt: number };

/** A 'refusals' row, with its four columns set. */
function isSummary(row: AuditRow): row is SummaryRow {
  return row.events != null && row.codes != null && row.firstAt != null && row.lastAt != null;
}

/**
 * One audit row as table cells: money in dollars, time in local time, codes with their name. A
 * 'refusals' row shows its count and codes (`14: 12×3 30×10 idle×1`) in the code column and the
 * times of its first and last event in the last one.
 */
export function auditCells(row: AuditRow): string[] {
  const cents = (value: number | null): string => (value === null ? '' : formatCents(value));
  if (isSummary(row)) {
    return [
      String(row.id),
      localTime(row.at),
      '',
      row.peer ?? '',
      '',
      row.op,
      '',
      summaryCodes(row),
      '',
      timeSpan(row.firstAt, row.lastAt),
    ];
  }
  return [
    String(row.id),
    localTime(row.at),
    String(row.conn ?? ''),
    row.peer ?? '',
    row.account ?? '',
    row.op,
    cents(row.amountCents),
    codeLabel(row.code),
    cents(row.balanceCents),
    row.txnId ?? '',
  ];
}

/** A 'refusals' row's count and counts by code or reason: `14: 12×3 30×10 idle×1`. */
function summaryCodes(row: SummaryRow): string {
  const counts = parseSummaryCodes(row.codes);
  if (counts === null) return `${row.events}: ${row.codes}`;
  const label = (key: string): string => {
    const code = Number(key);
    return /^\d+$/.test(key) && isCode(code) ? formatCode(code) : key;
  };
  return `${row.events}: ${counts.map(([key, count]) => `${label(key)}×${count}`).join(' ')}`;
}

/** First and last time, the day written once when both fall on it. */
function timeSpan(firstMs: number, lastMs: number): string {
  const [first, last] = [localTime(firstMs), localTime(lastMs)];
  const sameDay = first.slice(0, 10) === last.slice(0, 10);
  return `${first.slice(sameDay ? 11 : 0)}-${last.slice(sameDay ? 11 : 0)}`;
}

const CODE_NAMES = new Map<number, CodeName>(
  (Object.entries(Code) as [CodeName, number][]).map(([name, code]) => [code, name]),
);

/** A result code as an operator reads it: `55 incorrect pin`, `00 ok`. */
export function codeLabel(code: number | null): string {
  if (code === null) return '';
  if (!isCode(code)) return String(code);
  const words = CODE_NAMES.get(code)!.replace(/[A-Z]/g, (letter) => ` ${letter.toLowerCase()}`);
  return `${formatCode(code)} ${words}`;
}

/** How `admin sessions` shows the locks. */
export interface SessionsView {
  json: boolean;
  /** The server's lock TTL: a heartbeat older than this has expired. */
  lockTtlMs: number;
  now?: number;
}

/**
 * `admin sessions`: the account locks held now, by which peer on which server (its
 * `--server-name`), and their heartbeat age.
 */
export async function reportSessions(bank: BankView, view: SessionsView): Promise<string> {
  const nowMs = view.now ?? Date.now();
  const locks = await bank.locks();
  if (view.json) {
    return locks.map((l) => JSON.stringify(sessionJson(l, nowMs, view.lockTtlMs))).join('\n');
  }
  if (locks.length === 0) return 'no account is in an ATM session';
  const rows = locks.map((l) => [
    l.account,
    l.peer,
    holderServer(l.holder),
    holderConn(l.holder),
    localTime(l.startedAt),
    `${((nowMs - l.heartbeatAt) / 1000).toFixed(1)} s ago`,
    lockExpired(l.heartbeatAt, nowMs, view.lockTtlMs) ? 'expired' : 'live',
  ]);
  const headers = ['account', 'peer', 'server', 'conn', 'since', 'heartbeat', 'lock'];
  return formatTable(headers, rows, new Set([3, 5]));
}

/** One lock as JSON: who holds it and whether it is still live. */
function sessionJson(lock: SessionRow, nowMs: number, lockTtlMs: number): Record<string, unknown> {
  const conn = holderConn(lock.holder);
  return {
    account: lock.account,
    peer: lock.peer,
    server: holderServer(lock.holder),
    conn: conn === '' ? null : Number(conn),
    started_at: new Date(lock.startedAt).toISOString(),
    heartbeat_age_ms: nowMs - lock.heartbeatAt,
    expired: lockExpired(lock.heartbeatAt, nowMs, lockTtlMs),
  };
}

/** The server inside a lock holder (`<server name>/<conn>`): the one holding the session. */
function holderServer(holder: string): string {
  const slash = holder.lastIndexOf('/');
  return slash < 0 ? holder : holder.slice(0, slash);
}

/** The server's connection number inside a lock holder (`<server instance>/<conn>`). */
function holderConn(holder: string): string {
  return /\/([0-9]+)$/.exec(holder)?.[1] ?? '';
}

/** Epoch milliseconds as local date and time, to the second: `2024-05-01 14:03:07`. */
export function localTime(ms: number): string {
  const date = new Date(ms);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
  );
}
