// `bank admin dashboard` as a real process, for test/integration/dashboard.test.ts.
import { spawn } from 'node:child_process';
import { until } from './poll.js';
import { BANK } from './server.js';

/** A running dashboard: its URL (as it printed it), its output, and a way to stop it. */
export interface TestDashboard {
  url: string;
  output: () => string;
  stop: () => Promise<number | null>;
}

/** Starts `bank admin dashboard --db <db> …args` and waits for the URL it prints. */
export async function startDashboard(db: string, args: string[]): Promise<TestDashboard> {
  const proc = spawn(process.execPath, [BANK, 'admin', 'dashboard', '--db', db, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  proc.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  proc.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  let code: number | null | undefined;
  const exited = new Promise<number | null>((resolve) =>
    proc.once('exit', (c) => {
      code = c;
      resolve(c);
    }),
  );
  const url = await until("the dashboard's URL", () => {
    const match = / at (http:\/\/[^ ]+)/.exec(output);
    if (match) return match[1]!;
    if (code !== undefined) throw new Error(`dashboard exited (${code}):\n${output}`);
    return undefined;
  });
  const stop = async (): Promise<number | null> => {
    if (code === undefined) proc.kill('SIGTERM');
    return exited;
  };
  return { url, output: () => output, stop };
}

/** Runs `bank admin dashboard` expecting it to refuse to start: its exit code and output. */
export function dashboardRefusal(
  db: string,
  args: string[],
): Promise<{ code: number | null; output: string }> {
  const proc = spawn(process.execPath, [BANK, 'admin', 'dashboard', '--db', db, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  proc.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  proc.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const timer = setTimeout(() => proc.kill('SIGKILL'), 20_000);
  return new Promise((resolve) =>
    proc.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    }),
  );
}
