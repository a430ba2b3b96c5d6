import type { Command } from 'commander';
import { runAtm } from '../../atm/run.js';
import { intOption } from '../options.js';

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
    .option('--idle-timeout <seconds>', 'warn after this long idle at a prompt, log out after twice it', intOption(5, 86400), 60)
    .addHelpText('after', `
Scripted mode (stdin not a terminal, or --json): one command per line
  login <account> <pin> | balance | deposit <amount> | withdraw <amount> | logout | quit

Examples:
  bank atm                                  interactive, server on this machine
  bank atm --host 192.0.2.10 --port 65432   a server elsewhere
  printf 'login ac-12345 1234\\nbalance\\n' | bank atm --json`)
    .action(async (flags) => {
      await runAtm({
        endpoint: { host: flags.host, port: flags.port, ...(flags.tls ? { tls: { ca: flags.ca } } : {}) },
        json: Boolean(flags.json),
        idleMs: flags.idleTimeout * 1000,
      });
    });
}
