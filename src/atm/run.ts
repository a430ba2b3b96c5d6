import type { Endpoint } from './client.js';
import { runScreens } from './screens.js';
import { runScript } from './script.js';
import { Teller } from './teller.js';

/** What `bank atm` was asked for. */
export interface AtmOptions {
  endpoint: Endpoint;
  json: boolean;
  idleMs: number;
}

/**
 * `bank atm`: the interactive screens when stdin is a terminal (and --json is not given),
 * otherwise the scripted mode, one command per line.
 */
export async function runAtm(options: AtmOptions): Promise<void> {
  const teller = new Teller(options.endpoint);
  if (process.stdin.isTTY && !options.json) {
    const print = (line: string): void => void process.stdout.write(`${line}\n`);
    const { endpoint, idleMs } = options;
    await runScreens(teller, { endpoint, idleMs, print, columns: process.stdout.columns });
    return;
  }
  await runScript(teller, process.stdin, process.stdout, options.json);
}
