import type { Command } from 'commander';
import {
  adminAccounts,
  adminAudit,
  adminAuditFollow,
  adminClose,
  adminOpen,
  adminReopen,
  adminSeed,
  adminSessions,
  adminSetPin,
  adminUnblock,
  adminVerify,
  type AuditFlags,
} from '../../admin/actions.js';
import { adminBlock } from '../../admin/actions.js';
import { adminCopy } from '../../admin/copy.js';
import { FOLLOW_POLL_MS } from '../../admin/follow.js';
import { addDashboardCommand } from './dashboard.js';
import { defaultServerConfig } from '../../server/config.js';
import { intOption, secretOption } from '../options.js';

// One rule with `bank server`: --db defaults to the same file. Only seed and open create it, so
// a mistyped path to a listing or a change is an error, not a new empty bank.
const DB_DEFAULT = defaultServerConfig().dbFile;
const DB_FLAG = '--db <file|url>';
const DB_HELP = 'the bank: a SQLite file or a postgres:// URL (must exist)';
const DB_CREATE_HELP = 'the bank: a SQLite file or a postgres:// URL (created if missing)';
const DB_RULE = `
Every command takes --db <file|url>, the bank \`bank server --db\` uses: a SQLite database file
(the default, ${DB_DEFAULT} in the current folder) or a postgres:// URL (PostgreSQL; the PG*
environment variables work as for psql). Only seed and open create a missing bank.`;
const JSON_HELP = 'one JSON object per line';
const PIN_KEY_HELP = "PIN key file, the server's (default: <db>.pin-key)";
const PIN_HELP = 'four digits; "-" reads it from standard input (keeps it out of shell history)';
const LOCK_TTL_HELP = "the server's --lock-ttl: a heartbeat older than this has expired";
const LOCK_TTL_DEFAULT_S = defaultServerConfig().lockTtlMs / 1000;
const lockTtlOption = intOption(1, 86_400);

/** `bank admin …`: set up and inspect the bank (instructors and operators). */
export function addAdminCommand(program: Command): void {
  // A mistake in the options gets commander's one-line error, not the whole help after it.
  const admin = program
    .command('admin')
    .description('set up and inspect the bank')
    .showHelpAfterError(false)
    .addHelpText('after', DB_RULE);
  addSeedCommand(admin);
  addListingCommands(admin);
  addAccountCommands(admin);
  addVerifyCommand(admin);
  addCopyCommand(admin);
  addDashboardCommand(admin, { dbDefault: DB_DEFAULT, lockTtlDefaultS: LOCK_TTL_DEFAULT_S });
}

function addSeedCommand(admin: Command): void {
  admin
    .command('seed')
    .description('load accounts from an accounts.txt file (the demo accounts without --file)')
    .option(DB_FLAG, DB_CREATE_HELP, DB_DEFAULT)
    .option('--file <path>', 'accounts file: lines of "account, pin, balance"')
    .option('--reset', 'replace accounts that already exist (not one in an ATM session now)')
    .option('--lock-ttl <seconds>', LOCK_TTL_HELP, lockTtlOption, LOCK_TTL_DEFAULT_S)
    .option('--pin-key <file>', 'PIN key file (default: <db>.pin-key, created if missing)')
    .addHelpText('after', '\nExample:\n  bank admin seed --db bank.sqlite --file accounts.txt')
    .action(async (flags) =>
      print(
        await adminSeed({ ...flags, reset: Boolean(flags.reset), lockTtlMs: flags.lockTtl * 1000 }),
      ),
    );
}

function addListingCommands(admin: Command): void {
  admin
    .command('accounts')
    .description('list accounts: balance, status (open, closed, blocked, locked out), wrong PINs')
    .option(DB_FLAG, DB_HELP, DB_DEFAULT)
    .option(
      '--json',
      `${JSON_HELP}: {"account":"ac-12345","balance_cents":10000,` + '"status":"open",…}',
    )
    .action(async (flags) => print(await adminAccounts({ ...flags, json: Boolean(flags.json) })));
  addAuditCommand(admin);
  admin
    .command('sessions')
    .description('show which accounts are in an ATM session now, from where, and their heartbeat')
    .option(DB_FLAG, DB_HELP, DB_DEFAULT)
    .option('--lock-ttl <seconds>', LOCK_TTL_HELP, lockTtlOption, LOCK_TTL_DEFAULT_S)
    .option('--json', JSON_HELP)
    .action(async (flags) =>
      print(
        await adminSessions({
          ...flags,
          json: Boolean(flags.json),
          lockTtlMs: flags.lockTtl * 1000,
        }),
      ),
    );
}

function addAuditCommand(admin: Command): void {
  admin
    .command('audit')
    .description('show the audit log, newest last (times in local time, money in dollars)')
    .option(DB_FLAG, DB_HELP, DB_DEFAULT)
    .option('--account <acct>', 'only this account')
    .option(
      '--since <time>',
      'only rows from then on: 2024-05-01, 2024-05-01T14:30, or 10m, 2h, 3d ago',
    )
    .option(
      '--code <code>',
      "only rows with this result code (and 'refusals' rows counting it)",
      intOption(0, 99),
    )
    .option(
      '--limit <n>',
      'only the newest n rows (with --follow: 10 unless given)',
      intOption(1, 10_000_000),
    )
    .option('--follow', 'keep printing new rows as the server writes them, until Ctrl-C')
    .option('--json', JSON_HELP)
    .addHelpText(
      'after',
      `
Examples:
  bank admin audit --db bank.sqlite --since 1h
  bank admin audit --db bank.sqlite --account ac-12345 --code 55 --json
  bank admin audit --db bank.sqlite --follow

Refusals before login are not one row each: one 'refusals' row per address group (/24, /64)
every 10 s counts them, with each code or reason and the first and last time.`,
    )
    .action(async (flags) => {
      const options = { ...flags, json: Boolean(flags.json) };
      if (flags.follow) await followUntilInterrupted(options);
      else print(await adminAudit(options));
    });
}

/** Runs `audit --follow` until SIGINT (Ctrl-C) or SIGTERM, which end it with exit code 0. */
async function followUntilInterrupted(options: AuditFlags & { db: string }): Promise<void> {
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const signal = controller.signal;
    await adminAuditFollow({ ...options, pollMs: FOLLOW_POLL_MS, signal }, print);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

function addAccountCommands(admin: Command): void {
  admin
    .command('open <account>')
    .description('open a new account')
    .option(DB_FLAG, DB_CREATE_HELP, DB_DEFAULT)
    .requiredOption('--pin <pin>', PIN_HELP, secretOption)
    .option('--balance <dollars>', 'opening balance in dollars, like 100.00', '0')
    .option('--pin-key <file>', PIN_KEY_HELP)
    .addHelpText(
      'after',
      '\nExample:\n  bank admin open ac-20001 --pin 4321 --balance 250.00 --db bank.sqlite',
    )
    .action(async (account, flags) => print(await adminOpen({ ...flags, account })));
  admin
    .command('set-pin <account>')
    .description('give an account a new PIN (this also lifts a block after wrong PINs)')
    .option(DB_FLAG, DB_HELP, DB_DEFAULT)
    .requiredOption('--pin <pin>', PIN_HELP, secretOption)
    .option('--pin-key <file>', PIN_KEY_HELP)
    .action(async (account, flags) => print(await adminSetPin({ ...flags, account })));
  addCloseCommand(admin);
  addReopenCommand(admin);
  admin
    .command('unblock <account>')
    .description(
      "lift every block on an account (an operator's, or after wrong PINs) and " +
        'forget its wrong-PIN counts',
    )
    .option(DB_FLAG, DB_HELP, DB_DEFAULT)
    .action(async (account, flags) => print(await adminUnblock({ ...flags, account })));
  addBlockCommand(admin);
}

function addBlockCommand(admin: Command): void {
  admin
    .command('block <account>')
    .description(
      'refuse every login to an account (75) until `bank admin unblock`; a ' +
        'session on it now is refused at its next request (62)',
    )
    .requiredOption(DB_FLAG, DB_HELP)
    .option('--lock-ttl <seconds>', LOCK_TTL_HELP, lockTtlOption, LOCK_TTL_DEFAULT_S)
    .action(async (account, flags) =>
      print(await adminBlock({ ...flags, account, lockTtlMs: flags.lockTtl * 1000 })),
    );
}

function addCloseCommand(admin: Command): void {
  admin
    .command('close <account>')
    .description('close an account: it can no longer log in')
    .option(DB_FLAG, DB_HELP, DB_DEFAULT)
    .option('--force', 'close it even though it holds money (the balance stays on record)')
    .option('--lock-ttl <seconds>', LOCK_TTL_HELP, lockTtlOption, LOCK_TTL_DEFAULT_S)
    .addHelpText(
      'after',
      `
An account holding money is refused unless --force is given; with --force it closes with its
balance untouched and on record (no money disappears; \`bank admin reopen\` brings it back).
An account in an ATM session now is always refused. The audit gets a 'close' row with the balance.`,
    )
    .action(async (account, flags) =>
      print(
        await adminClose({
          ...flags,
          account,
          force: Boolean(flags.force),
          lockTtlMs: flags.lockTtl * 1000,
        }),
      ),
    );
}

function addReopenCommand(admin: Command): void {
  admin
    .command('reopen <account>')
    .description('put a closed account back in service, with the balance and PIN it had')
    .option(DB_FLAG, DB_HELP, DB_DEFAULT)
    .addHelpText(
      'after',
      `
Wrong PINs tried on the number while it was closed are forgotten. The audit gets a 'reopen'
row with the balance. To give it a new PIN as well: bank admin set-pin <account> --pin -`,
    )
    .action(async (account, flags) => print(await adminReopen({ ...flags, account })));
}

function addVerifyCommand(admin: Command): void {
  admin
    .command('verify')
    .description(
      'check the audit hash chain, replay it against the balances and the ledger, ' +
        'and look for stale session locks',
    )
    .option(DB_FLAG, DB_HELP, DB_DEFAULT)
    .option('--lock-ttl <seconds>', LOCK_TTL_HELP, lockTtlOption, LOCK_TTL_DEFAULT_S)
    .option('--full', 'check every audit row, not only those after the last checkpoint')
    .addHelpText(
      'after',
      `
Exits 0 with a short summary when everything agrees; otherwise exits 1 naming the first
problem (an edited or deleted audit row, a balance the audit does not add up to, a ledger
transaction without its audit row, a lock older than --lock-ttl). It checks one snapshot of
the database, so it may run beside a server. Deleting the newest audit rows leaves no gap in
the chain: keep the "last hash" it prints, and compare it with a later run.

A pass records a checkpoint in the database (the last row, its hash, the balances replayed up
to it); the next verify checks only the rows after it, and that the checkpoint's row still has
its hash and no row before it was deleted. An EDIT of a row before the checkpoint is then NOT
found: run with --full (say weekly) to check every row again.`,
    )
    .action(async (flags) =>
      print(
        await adminVerify({ ...flags, full: Boolean(flags.full), lockTtlMs: flags.lockTtl * 1000 }),
      ),
    );
}

function addCopyCommand(admin: Command): void {
  admin
    .command('copy')
    .description('copy a whole bank into an empty database (SQLite to PostgreSQL, say)')
    .requiredOption('--from <db>', 'the bank to copy: a SQLite file or a postgres:// URL')
    .requiredOption(
      '--to <db>',
      'where to: a new SQLite file, or an existing PostgreSQL database holding no bank',
    )
    .option(
      '--pin-key <file>',
      'the PIN key of --from, named in the output (default: <from>.pin-key)',
    )
    .addHelpText(
      'after',
      `
Copies every account with its PIN hash, the ledger, the audit chain as it is (ids and hashes),
operator blocks and server runs, from one snapshot of --from, in one transaction on --to, which
is refused if it already holds a bank. Wrong-PIN counts and session locks are not copied.
Example:
  bank admin copy --from bank.sqlite --to postgres://bank@db.example/bank
The PIN hashes are copied as they are: servers on the copy need the PIN key of --from (the
output says where it is, and where to put it). Then: bank admin verify --db <to>`,
    )
    .action(async (flags) => print(await adminCopy(flags)));
}

function print(text: string): void {
  if (text !== '') console.log(text);
}
