import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isGroupedDollars, readBalanceDollars } from './money.js';
import { hashPin } from './pin.js';
import { isAccountId, isPin } from './protocol/decode.js';
import { adminAuditEntry, liveSession } from './rules/admin.js';
import type { AdminTx, Engine } from './store/engine.js';
import type { SessionRow } from './rules/types.js';

/**
 * Seeding a bank from the course starter's accounts.txt: `bank admin seed` and the demo accounts
 * of `bank server --demo` both load through this, on either engine.
 */

/** The demo accounts shipped in seed/. */
export const demoAccountsFile = fileURLToPath(new URL('../seed/accounts.txt', import.meta.url));

export interface SeedRow {
  line: number;
  account: string;
  pin: string;
  balanceCents: number;
}

/**
 * Reads the course starter's accounts.txt: `acct, pin, balance` lines (balance in dollars),
 * `#` comments and blank lines. Returns every row, or every bad line with its number.
 */
export function parseAccountsFile(text: string): { rows: SeedRow[] } | { errors: string[] } {
  const rows: SeedRow[] = [];
  const errors: string[] = [];
  const seen = new Set<string>();
  text.split(/\r?\n/).forEach((raw, index) => {
    const content = raw.replace(/#.*$/, '').trim();
    if (content === '') return;
    const row = parseAccountsLine(content, index + 1);
    if (typeof row === 'string') errors.push(`line ${index + 1}: ${row}`);
    else if (seen.has(row.account)) errors.push(`line ${index + 1}: ${row.account} appears twice`);
    else {
      rows.push(row);
      seen.add(row.account);
    }
  });
  return errors.length > 0 ? { errors } : { rows };
}

/**
 * One `acct, pin, balance` line, or what is wrong with it. A balance written with thousands
 * separators (`$1,000.00`) splits into more fields; it is named as such, not as a field count.
 * Double quotes around a field, as a spreadsheet saves it, are taken off.
 */
function parseAccountsLine(content: string, line: number): SeedRow | string {
  const fields = content.split(',').map((field) => field.trim());
  const account = unquote(fields[0] ?? '');
  const pin = unquote(fields[1] ?? '');
  const balance = unquote(fields.slice(2).join(','));
  if (fields.length < 3 || (fields.length > 3 && !isGroupedDollars(balance))) {
    return `expected "account, pin, balance", got ${fields.length} field(s)`;
  }
  if (!isAccountId(account)) return `account "${account}" is not like ac-12345`;
  if (!isPin(pin)) return 'the PIN is not four digits';
  const read = readBalanceDollars(balance);
  if ('problem' in read) return `balance "${balance}" ${read.problem}`;
  return { line, account: account.toLowerCase(), pin, balanceCents: read.cents };
}

/** A field without the double quotes a spreadsheet may put around it. */
function unquote(field: string): string {
  return /^"[^"]*"$/.test(field) ? field.slice(1, -1).trim() : field;
}

/** Replace accounts that already exist, except one in an ATM session (as `admin close`). */
export interface SeedReset {
  /** A lock with a heartbeat younger than this belongs to a live ATM session. */
  lockTtlMs: number;
  now: number;
}

/** A reset with no lock TTL known: every lock counts as a live session (refuse, not guess). */
export const resetUnlessLocked: SeedReset = { lockTtlMs: Number.POSITIVE_INFINITY, now: 0 };

/** How a seed treats accounts that already exist: refused, unless reset is given. */
export interface SeedOptions {
  reset?: SeedReset;
}

/**
 * Loads parsed rows in one transaction, each with an audit row. Existing accounts are refused
 * (nothing is loaded) unless reset is given, which replaces their PIN and balance; an account in
 * a live ATM session is refused even then, checked inside the transaction that would write it.
 */
export async function loadAccounts(
  engine: Engine,
  pinKey: Buffer,
  rows: SeedRow[],
  { reset }: SeedOptions,
): Promise<{ loaded: number } | { errors: string[] }> {
  const existing = await engine.read(async (view) => {
    const found = await Promise.all(rows.map((row) => view.account(row.account)));
    return rows.filter((_, index) => found[index] !== undefined);
  });
  if (existing.length > 0 && !reset) {
    return {
      errors: existing.map(
        (row) => `line ${row.line}: ${row.account} already exists (use --reset to replace it)`,
      ),
    };
  }
  const hashes = await Promise.all(rows.map((row) => hashPin(pinKey, row.pin)));
  return engine.change(async (tx) => {
    const locks = reset ? await tx.locks() : [];
    const busy = reset ? rows.flatMap((row) => loadAccountsBusyLine(locks, row, reset)) : [];
    if (busy.length > 0) return { errors: busy };
    for (const [index, row] of rows.entries()) {
      await writeSeedRow(tx, row, hashes[index]!, { replace: reset !== undefined });
    }
    return { loaded: rows.length };
  });
}

/** The refusal for a row whose account is in a live ATM session, if it is. */
function loadAccountsBusyLine(locks: SessionRow[], row: SeedRow, reset: SeedReset): string[] {
  const session = liveSession(locks, row.account, reset);
  return session
    ? [
        `line ${row.line}: ${row.account} is in an ATM session now ` +
          `(from ${session.peer}); reset it once the session ends`,
      ]
    : [];
}

/**
 * Writes one account and its audit row ('open', or 'reset' when it replaced one). Wrong PINs
 * tried on the number before are forgotten: a fresh PIN starts unblocked.
 */
async function writeSeedRow(
  tx: AdminTx,
  row: SeedRow,
  pinHash: string,
  options: { replace: boolean },
): Promise<void> {
  const now = Date.now();
  const op = (await tx.account(row.account)) ? 'reset' : 'open';
  const { account, balanceCents } = row;
  await tx.putAccount({ account, pinHash, balanceCents, now }, options);
  await tx.clearPinFailures(account);
  await tx.appendAudit(adminAuditEntry({ account, op, balanceCents, now }));
}

/** Whether the bank has any account, open or closed. */
export async function bankHasAccounts(engine: Engine): Promise<boolean> {
  return (await engine.read((view) => view.accounts())).length > 0;
}

/**
 * The rows of an accounts file (the demo accounts when none is named), checked before any
 * database is opened. Throws one message: a file that cannot be read, every bad line with its
 * number, or a file with no accounts in it.
 */
export function readAccountsFile(file: string | undefined): SeedRow[] {
  const path = file ?? demoAccountsFile;
  const parsed = parseAccountsFile(readSeedText(path));
  if ('errors' in parsed) throw nothingLoaded(parsed.errors);
  if (parsed.rows.length === 0) {
    throw new Error(`nothing loaded: ${path} has no accounts (lines of "account, pin, balance")`);
  }
  return parsed.rows;
}

/** A refusal listing every line that stopped a seed, one per line under "nothing loaded:". */
export function nothingLoaded(errors: string[]): Error {
  return new Error(`nothing loaded:\n  ${errors.join('\n  ')}`);
}

/** The text of an accounts file, or a sentence naming it and why it cannot be read. */
function readSeedText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const cause = { cause: error };
    if (code === 'ENOENT') throw new Error(`no file ${path}`, cause);
    if (code === 'EISDIR') throw new Error(`${path} is a directory, not an accounts file`, cause);
    if (code === 'EACCES') throw new Error(`cannot read ${path} (permission denied)`, cause);
    throw error;
  }
}

/** Reads and loads an accounts file; the demo accounts when no file is named. */
export async function seedFromFile(
  engine: Engine,
  pinKey: Buffer,
  options: SeedOptions & { file?: string },
): Promise<{ loaded: number } | { errors: string[] }> {
  return loadAccounts(engine, pinKey, readAccountsFile(options.file), options);
}
