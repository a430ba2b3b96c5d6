import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseDollars } from '../money.js';
import { Limits } from '../protocol/limits.js';
import { getAccount, putAccount } from '../store/accounts.js';
import { clearPinFailures } from '../store/lockout.js';
import { appendAudit } from '../store/audit.js';
import { inTransaction, type Store } from '../store/db.js';
import { hashPin } from '../pin.js';
import { isAccountId, isPin } from '../protocol/decode.js';

/** The demo accounts shipped in seed/. */
export const demoAccountsFile = fileURLToPath(new URL('../../seed/accounts.txt', import.meta.url));

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
    else rows.push(row), seen.add(row.account);
  });
  return errors.length > 0 ? { errors } : { rows };
}

/** One `acct, pin, balance` line, or what is wrong with it. */
function parseAccountsLine(content: string, line: number): SeedRow | string {
  const fields = content.split(',').map((field) => field.trim());
  if (fields.length !== 3) return `expected "account, pin, balance", got ${fields.length} field(s)`;
  const [account, pin, balance] = fields as [string, string, string];
  if (!isAccountId(account)) return `account "${account}" is not like ac-12345`;
  if (!isPin(pin)) return 'the PIN is not four digits';
  const parsed = parseDollars(balance);
  if ('code' in parsed || parsed.cents > Limits.balanceCentsMax) {
    return `balance "${balance}" is not an amount in dollars (like 100.00) within the maximum`;
  }
  return { line, account: account.toLowerCase(), pin, balanceCents: parsed.cents };
}

/**
 * Loads parsed rows in one transaction, each with an audit row. Existing accounts are refused
 * (nothing is loaded) unless reset is set, which replaces their PIN and balance.
 */
export async function loadAccounts(
  store: Store,
  pinKey: Buffer,
  rows: SeedRow[],
  reset: boolean,
): Promise<{ loaded: number } | { errors: string[] }> {
  const existing = rows.filter((row) => getAccount(store, row.account) !== undefined);
  if (existing.length > 0 && !reset) {
    return {
      errors: existing.map((row) =>
        `line ${row.line}: ${row.account} already exists (use --reset to replace it)`),
    };
  }
  const hashes = await Promise.all(rows.map((row) => hashPin(pinKey, row.pin)));
  inTransaction(store, () => {
    rows.forEach((row, index) => writeSeedRow(store, row, hashes[index]!, reset));
  });
  return { loaded: rows.length };
}

/**
 * Writes one account and its audit row ('open', or 'reset' when it replaced one). Wrong PINs
 * tried on the number before are forgotten: a fresh PIN starts unblocked.
 */
function writeSeedRow(store: Store, row: SeedRow, pinHash: string, reset: boolean): void {
  const now = Date.now();
  const op = getAccount(store, row.account) ? 'reset' : 'open';
  putAccount(store, { account: row.account, pinHash, balanceCents: row.balanceCents, now }, reset);
  clearPinFailures(store, row.account);
  appendAudit(store, {
    at: now, conn: null, peer: 'admin', account: row.account, op, amountCents: null,
    code: 0, balanceCents: row.balanceCents, txnId: null,
  });
}

/** Reads and loads an accounts file; the demo accounts when no file is named. */
export async function seedFromFile(
  store: Store,
  pinKey: Buffer,
  file: string | undefined,
  reset: boolean,
): Promise<{ loaded: number } | { errors: string[] }> {
  const parsed = parseAccountsFile(readFileSync(file ?? demoAccountsFile, 'utf8'));
  if ('errors' in parsed) return parsed;
  return loadAccounts(store, pinKey, parsed.rows, reset);
}
