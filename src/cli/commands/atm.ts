import type { Command } from 'commander';
import { runAtm } from '../../atm/run.js';
import { intOption } from '../options.js';

const HELP = `
On a terminal the ATM first connects to the bank (or says why it cannot), then
asks for an account number and PIN (never shown) and offers a menu: balance,
withdraw (quick amounts or another; only y or yes confirms), deposit, exit.
Each transaction ends with a receipt line. Ctrl-C or Ctrl-D logs out at once.
If the bank goes away, the ATM says so and offers to try again.
NO_COLOR=1 turns colour off.

Scripted mode (stdin not a terminal, or --json): one command per line
  login <account> <pin> | balance | deposit <amount> | withdraw <amount>
  logout | quit | help

Exit status: 0 done (refusals such as 51 are results, not failures),
1 usage error, 2 the bank could not be reached or went away (91),
3 the bank reported an internal error (96).

Examples:
  bank atm                                  interactive, server on this machine
  bank atm --host 192.0.2.10 --port 65432   a server elsewhere
  bank atm --idle-timeout 30                "still there?" after 30 s idle
  bank atm --tls --ca cert.pem              TLS with a self-signed server
  NO_COLOR=1 bank atm                       a screen without colour
  printf 'login ac-12345 1234\\nbalance\\n' | bank atm --json`;

/** `bank atm`: an ATM, interactive on a terminal, scripted otherwise. */
export function addAtmCommand(program: Command): void {
  program
    .command('atm')
    .description('open an ATM connected to a bank server')
    .option('--host <address>', 'bank server address', '127.0.0.1')
    .option('--port <port>', 'bank server port', intOption(1, 65535), 65432)
    .option('--json', 'scripted mode: one JSON object per result line')
    .option('--tls', 'connect with TLS')
    .option('--ca <pem>', 'trust this CA certificate for --tls (e.g. a self-signed server)')
    .option(
      '--idle-timeout <seconds>',
      'at an untouched prompt, ask "still there?" after this long and log out after as long again',
      intOption(5, 86400),
      60,
    )
    .addHelpText('after', HELP)
    .action(async (flags: AtmFlags) => {
      const tls = flags.tls ? { tls: { ca: flags.ca } } : {};
      process.exitCode = await runAtm({
        endpoint: { host: flags.host, port: flags.port, ...tls },
        json: Boolean(flags.json),
        idleMs: flags.idleTimeout * 1000,
      });
    });
}

interface AtmFlags {
  host: string;
  port: number;
  json?: boolean;
  tls?: boolean;
  ca?: string;
  idleTimeout: number;
}
