import type { Endpoint } from './client.js';
import { describeConnectFailure } from './connect-text.js';
import { AtmExit, type AtmExitStatus } from './exit-status.js';
import { runScreens } from './screens.js';
import { runScript } from './script.js';
import { Teller } from './teller.js';

/** What `bank atm` was asked for. */
export interface AtmOptions {
  endpoint: Endpoint;
  json: boolean;
  /** At an untouched prompt, "still there?" after this long, and logged out after as long again. */
  idleMs: number;
}

/** Said on stderr when the scripted mode waits for commands typed on a terminal. */
const SCRIPT_HINT =
  'bank atm: reading commands from standard input, one per line; ' +
  '"help" lists them, Ctrl-D ends.\n';

/**
 * `bank atm`: the interactive screens when stdin is a terminal (and --json is not given),
 * otherwise the scripted mode, one command per line. Resolves with the exit status (AtmExit).
 */
export async function runAtm(options: AtmOptions): Promise<AtmExitStatus> {
  const teller = new Teller(options.endpoint);
  if (process.stdin.isTTY && !options.json) {
    const print = (line: string): void => void process.stdout.write(`${line}\n`);
    const { endpoint, idleMs: idleMsMax } = options;
    return runScreens(teller, { endpoint, idleMsMax, print, columns: process.stdout.columns });
  }
  if (process.stdin.isTTY) process.stderr.write(SCRIPT_HINT);
  const streams = { input: process.stdin, output: process.stdout };
  const status = await runScript(teller, { ...streams, json: options.json });
  // The result lines say 91; this says why, on stderr, where a script's log keeps it.
  const failure = teller.connectFailure;
  if (status === AtmExit.unreachable && failure) {
    process.stderr.write(`bank atm: ${describeConnectFailure(options.endpoint, failure)}\n`);
  }
  return status;
}
