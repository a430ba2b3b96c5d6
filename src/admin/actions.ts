import { existsSync } from 'node:fs';
import { formatCents } from '../money.js';
import { defaultPinKeyFile, hashPin, loadPinKey, wouldOrphanPins } from '../pin.js';
import {
  bankHasAccounts,
  loadAccounts,
  nothingLoaded,
  readAccountsFile,
  resetUnlessLocked,
} from '../seed.js';
import type { Engine } from '../store/engine.js';
import type { AuditFilter } from '../rules/types.js';
import { dbName, parseDbTarget } from '../store/target.js';
import { withChange, withEngine, withReader, type AdminOptions } from './access.js';
import { followAudit } from './follow.js';
import {
  blockAccountByOperator,
  changePin,
  closeAccountChecked,
  openAccount,
  reopenAccount,
  unblockAccount,
} from './manage.js';
import { parseAccountId, parseBalanceDollars, parsePin, parseSince } from './parse.js';
import { reportAccounts, reportAudit, reportSessions } from './reports.js';
import { describeFailure, formatVerifyOk, verifyBank } from './verify.js';
import { recordCheckpoint } from './verify-checkpoint.js';

/**
 * One function per `bank admin` subcommand: each checks what the operator typed, opens the
 * bank through its storage engine (read-only unless it writes) and returns the text to print.
 * A refusal is thrown as one sentence; the CLI prints it and exits 1.
 */

export type { AdminOptions } from './access.js';

/**
 * `admin seed`: loads an accounts file (the demo accounts without one); creates the database.
 * The file is read and checked first, so a bad one leaves no database or PIN key behind.
 */
export async function adminSeed(
  options: AdminOptions & { file?: string; reset: boolean; lockTtlMs?: number },
): Promise<string> {
  const rows = readAccountsFile(options.file);
  const reset = !options.reset
    ? undefined
    : options.lockTtlMs === undefined
      ? resetUnlessLocked
      : { lockTtlMs: options.lockTtlMs, now: Date.now() };
  const keyFile = pinKeyFile(options);
  return withEngine(options, 'create', async (engine) => {
    const pinKey = loadPinKey(keyFile);
    const result = await loadAccounts(engine, pinKey, rows, { reset });
    if ('errors' in result) throw nothingLoaded(result.errors);
    return `loaded ${result.loaded} account(s) into ${dbName(options.db)}`;
  });
}

/** `admin accounts`. */
export function adminAccounts(options: AdminOptions & { json: boolean }): Promise<string> {
  return withReader(options, (view) => reportAccounts(view, options.json));
}

/** What `admin audit` may be asked to show, as typed. */
export interface AuditFlags {
  json: boolean;
  account?: string;
  limit?: number;
  /** An ISO date or date and time, or a duration back from now (10m, 2h). */
  since?: string;
  code?: number;
}

/** The audit filter the flags describe, checked (a bad account number or time is refused). */
export function auditFilter(flags: AuditFlags, nowMs: number): AuditFilter {
  return {
    account: flags.account === undefined ? undefined : parseAccountId(flags.account),
    limit: flags.limit,
    sinceMs: flags.since === undefined ? undefined : parseSince(flags.since, nowMs),
    code: flags.code,
  };
}

/** `admin audit`. */
export async function adminAudit(options: AdminOptions & AuditFlags): Promise<string> {
  const filter = auditFilter(options, Date.now());
  return withReader(options, (view) => reportAudit(view, filter, options.json));
}

/** Rows `audit --follow` shows before the new ones when no --limit is given (like tail -f). */
export const FOLLOW_BACKLOG_ROWS = 10;

/** `admin audit --follow`: prints rows as they arrive until the signal aborts (Ctrl-C). */
export async function adminAuditFollow(
  options: AdminOptions & AuditFlags & { pollMs: number; signal: AbortSignal },
  write: (text: string) => void,
): Promise<void> {
  const limit = options.limit ?? FOLLOW_BACKLOG_ROWS;
  const filter = auditFilter({ ...options, limit }, Date.now());
  const { json, pollMs, signal } = options;
  await withEngine(options, 'read', (engine) =>
    followAudit(engine, { filter, json, pollMs, signal }, write),
  );
}

/** `admin sessions`: lockTtlMs says which locks have expired. */
export function adminSessions(
  options: AdminOptions & { json: boolean; lockTtlMs: number },
): Promise<string> {
  return withReader(options, (view) =>
    reportSessions(view, { json: options.json, lockTtlMs: options.lockTtlMs }),
  );
}

/** `admin unblock`: lifts every block and wrong-PIN count, so the account can log in again. */
export async function adminUnblock(options: AdminOptions & { account: string }): Promise<string> {
  const account = parseAccountId(options.account);
  const unblocked = await withChange(options, (tx) => unblockAccount(tx, account, Date.now()));
  return unblocked ? `${account} unblocked` : `${account} was not blocked`;
}

/**
 * `admin block`: refuses every LOGIN to the account until `admin unblock`, and says whether a
 * live session on it will be refused at its next request (lockTtlMs says which locks are live).
 */
export async function adminBlock(
  options: AdminOptions & { account: string; lockTtlMs: number },
): Promise<string> {
  const account = parseAccountId(options.account);
  const { blocked, session } = await withChange(options, (tx) =>
    blockAccountByOperator(tx, account, { lockTtlMs: options.lockTtlMs, now: Date.now() }),
  );
  const done = blocked ? `${account} blocked` : `${account} was already blocked`;
  return session === undefined
    ? `${done}; no ATM session is on it`
    : `${done}; its ATM session (from ${session.peer}) is refused at its next request (62)`;
}

/**
 * `admin open`: a new account with a PIN and an opening balance in dollars (default 0). Like
 * seed, it creates a database that is not there yet, and says so.
 */
export async function adminOpen(
  options: AdminOptions & { account: string; pin: string; balance?: string },
): Promise<string> {
  const account = parseAccountId(options.account);
  const pin = parsePin(options.pin);
  const balanceCents = parseBalanceDollars(options.balance ?? '0');
  const created = parseDbTarget(options.db).kind === 'sqlite' && !existsSync(options.db);
  const keyFile = pinKeyFile(options);
  return withEngine(options, 'create', async (engine) => {
    const pinHash = await hashPin(await loadAdminPinKey(engine, keyFile), pin);
    await engine.change((tx) =>
      openAccount(tx, { account, pinHash, balanceCents, now: Date.now() }),
    );
    const where = created ? ` in a new database ${options.db}` : '';
    return `${account} opened with ${formatCents(balanceCents)}${where}`;
  });
}

/** `admin set-pin`: a new PIN, which also lifts a wrong-PIN block. */
export async function adminSetPin(
  options: AdminOptions & { account: string; pin: string },
): Promise<string> {
  const account = parseAccountId(options.account);
  const pin = parsePin(options.pin);
  const keyFile = pinKeyFile(options);
  return withEngine(options, 'change', async (engine) => {
    const pinHash = await hashPin(await loadAdminPinKey(engine, keyFile), pin);
    const unblocked = await engine.change((tx) => changePin(tx, account, pinHash, Date.now()));
    return `${account} has a new PIN${unblocked ? ' and is unblocked' : ''}`;
  });
}

/** `admin close`: see closeAccountChecked for what is refused. */
export async function adminClose(
  options: AdminOptions & { account: string; force: boolean; lockTtlMs: number },
): Promise<string> {
  const account = parseAccountId(options.account);
  const { force, lockTtlMs } = options;
  const keptCents = await withChange(options, (tx) =>
    closeAccountChecked(tx, { account, force, lockTtlMs, now: Date.now() }),
  );
  return keptCents === 0
    ? `${account} closed`
    : `${account} closed; its balance of ${formatCents(keptCents)} stays on record`;
}

/** `admin reopen`: a closed account back in service, with the PIN and balance it kept. */
export async function adminReopen(options: AdminOptions & { account: string }): Promise<string> {
  const account = parseAccountId(options.account);
  const balanceCents = await withChange(options, (tx) => reopenAccount(tx, account, Date.now()));
  return `${account} reopened, with its PIN and its balance of ${formatCents(balanceCents)}`;
}

/**
 * `admin verify`: the OK summary, or a refusal naming the first problem. It reads on one
 * snapshot, from the last checkpoint unless `full`; a pass then records a new checkpoint.
 */
export async function adminVerify(
  options: AdminOptions & { lockTtlMs: number; full?: boolean },
): Promise<string> {
  const verifyOptions = { lockTtlMs: options.lockTtlMs, now: Date.now(), full: options.full };
  const report = await withReader(options, (view) => verifyBank(view, verifyOptions));
  const failure = describeFailure(report);
  if (failure !== null) throw new Error(`verify failed: ${failure}`);
  const ok = formatVerifyOk(report, verifyOptions);
  if (report.checkpoint === null) return ok;
  return `${ok}\n${await recordCheckpoint(options, report.checkpoint)}`;
}

/**
 * The PIN key file: --pin-key, else the server's default (beside a SQLite file; for a PostgreSQL
 * URL `<database>.pin-key` here, see src/pin.ts); with BANK_PIN_KEY set, loadPinKey takes the key
 * from there and never reads the file.
 */
function pinKeyFile(options: AdminOptions): string {
  return options.pinKey ?? defaultPinKeyFile(options.db);
}

/**
 * The server's PIN key, for a PIN it will check. Only a bank with no accounts yet may have a
 * new key made here: anywhere else a new key would give PINs the server can never match.
 */
async function loadAdminPinKey(engine: Engine, file: string): Promise<Buffer> {
  if (await wouldOrphanPins(file, () => bankHasAccounts(engine))) {
    throw new Error(
      `no PIN key at ${file}: PINs must be made with the server's key ` +
        '(pass --pin-key <file> or set BANK_PIN_KEY)',
    );
  }
  return loadPinKey(file);
}
