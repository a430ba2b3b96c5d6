import type { Command } from 'commander';
import {
  adminAccounts, adminAudit, adminSeed, adminSessions, adminUnblock,
} from '../../admin/actions.js';
import { intOption } from '../options.js';

const DB_HELP = 'SQLite database file';

/** `bank admin …`: set up and inspect the bank (instructors and operators). */
export function addAdminCommand(program: Command): void {
  const admin = program.command('admin').description('set up and inspect the bank');
  admin
    .command('seed')
    .description('load accounts from an accounts.txt file (the demo accounts without --file)')
    .requiredOption('--db <file>', DB_HELP)
    .option('--file <path>', 'accounts file: lines of "account, pin, balance"')
    .option('--reset', 'replace accounts that already exist')
    .option('--pin-key <file>', 'PIN key file (default: <db>.pin-key)')
    .addHelpText('after', '\nExample:\n  bank admin seed --db bank.sqlite --file accounts.txt')
    .action(async (flags) => print(await adminSeed({ ...flags, reset: Boolean(flags.reset) })));
  admin
    .command('accounts')
    .description('list accounts and balances')
    .requiredOption('--db <file>', DB_HELP)
    .option('--json', 'one JSON object per line')
    .action((flags) => print(adminAccounts({ ...flags, json: Boolean(flags.json) })));
  admin
    .command('audit')
    .description('show the audit log, newest last')
    .requiredOption('--db <file>', DB_HELP)
    .option('--account <acct>', 'only this account')
    .option('--limit <n>', 'only the newest n rows', intOption(1, 10_000_000))
    .option('--code <code>', 'only rows with this result code', intOption(0, 99))
    .option('--json', 'one JSON object per line')
    .action((flags) => print(adminAudit({ ...flags, json: Boolean(flags.json) })));
  admin
    .command('sessions')
    .description('show which accounts are in an ATM session now')
    .requiredOption('--db <file>', DB_HELP)
    .option('--json', 'one JSON object per line')
    .action((flags) => print(adminSessions({ ...flags, json: Boolean(flags.json) })));
  admin
    .command('unblock <account>')
    .description('let an account blocked by wrong PINs log in again')
    .requiredOption('--db <file>', DB_HELP)
    .action((account, flags) => print(adminUnblock({ ...flags, account })));
}

function print(text: string): void {
  if (text !== '') console.log(text);
}
