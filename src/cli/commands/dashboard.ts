import { readFileSync } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import { runDashboard } from '../../admin/dashboard/run.js';
import { intOption, listenAddressOption, secretOption, type ListenAddress } from '../options.js';

const LISTEN_DEFAULT = '127.0.0.1:8080';
const INTERVAL_DEFAULT_MS = 500;
const LISTEN_HELP =
  'where to serve the page: host:port, [ipv6]:port or a port (port 0 to ' +
  '65535, 0: any free one; a host beyond loopback only with a token) ' +
  `(default: ${LISTEN_DEFAULT})`;
const TOKEN_HELP =
  'a secret every request must carry: any non-empty text; "-" reads it from standard input';

/** A --token-file: its first line, which must not be empty. */
function tokenFileOption(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new InvalidArgumentError(`cannot read it (${(error as Error).message})`);
  }
  const token = text.split(/\r?\n/)[0]!.trim();
  if (token === '') throw new InvalidArgumentError('its first line is empty');
  return token;
}

/** Lines of `bank admin dashboard --help` after the options. */
const DASHBOARD_HELP = `
A live, read-only web page of the bank: servers, sessions with their lock's heartbeat, accounts,
requests per second by verb and code, the audit as it grows, and one connection's dialogue.
It polls the bank once per --interval for all open pages, and never shows a PIN or PIN hash.

--listen takes host:port, [ipv6]:port or a bare port (host 127.0.0.1); port 0 to 65535, 0 for
any free one. Beyond loopback (127.0.0.0/8, ::1, localhost), --token or --token-file is required;
the token is then asked of every request: open the page once as /?token=<token>.

Examples:
  bank admin dashboard --db bank.sqlite
  bank admin dashboard --db postgres://bank@db/bank --listen 0.0.0.0:8080 --token-file dash.token`;

/** `bank admin dashboard`: serves the page until Ctrl-C (SIGINT) or SIGTERM. */
export function addDashboardCommand(
  admin: Command,
  defaults: { dbDefault: string; lockTtlDefaultS: number },
): void {
  admin
    .command('dashboard')
    .description('serve a live, read-only web view of the bank (for a projector or a browser)')
    .option(
      '--db <file|url>',
      'the bank: a SQLite file or a postgres:// URL (must exist)',
      defaults.dbDefault,
    )
    .option('--listen <[host:]port>', LISTEN_HELP, listenAddressOption)
    .option('--token <token>', TOKEN_HELP, secretOption)
    .option(
      '--token-file <file>',
      'read the token from the first line of this file (non-empty)',
      tokenFileOption,
    )
    .option(
      '--lock-ttl <seconds>',
      "the server's --lock-ttl: a heartbeat older than this has " + 'expired',
      intOption(1, 86_400),
      defaults.lockTtlDefaultS,
    )
    .option(
      '--interval <ms>',
      'time between looks at the bank',
      intOption(100, 10_000),
      INTERVAL_DEFAULT_MS,
    )
    .addHelpText('after', DASHBOARD_HELP)
    .action(async (flags) => serveUntilInterrupted(flags));
}

interface DashboardFlags {
  db: string;
  listen?: ListenAddress;
  token?: string;
  tokenFile?: string;
  lockTtl: number;
  interval: number;
}

/** Runs the dashboard until SIGINT or SIGTERM, which end it with exit code 0. */
async function serveUntilInterrupted(flags: DashboardFlags): Promise<void> {
  if (flags.token !== undefined && flags.tokenFile !== undefined) {
    throw new Error('give --token or --token-file, not both');
  }
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await runDashboard({
      db: flags.db,
      listen: flags.listen ?? listenAddressOption(LISTEN_DEFAULT),
      token: flags.token ?? flags.tokenFile,
      lockTtlMs: flags.lockTtl * 1000,
      intervalMs: flags.interval,
      signal: controller.signal,
      print: (line) => console.log(line),
    });
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
