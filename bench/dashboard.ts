/**
 * `npm run bench -- --dashboard`: the bank measured with `bank admin dashboard` watching it and a
 * page's event stream open, to compare with the same run without it (BENCHMARKS.md). The page is
 * an /events reader, not a browser: what the bank pays for is the dashboard's polls, which are
 * the same for one page or many; a browser would only add its own rendering to this machine.
 */
import { spawn } from 'node:child_process';
import http from 'node:http';

/** A running dashboard with one page's stream open. */
export interface BenchDashboard {
  /** Event bytes the page received: proof it was live during the load. */
  receivedBytes: () => number;
  stop: () => Promise<void>;
}

/** Starts the dashboard on db and opens its event stream. */
export async function startBenchDashboard(bankBin: string, db: string): Promise<BenchDashboard> {
  const proc = spawn(
    process.execPath,
    [bankBin, 'admin', 'dashboard', '--db', db, '--listen', '127.0.0.1:0'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  proc.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  proc.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no dashboard URL:\n${output}`)), 30_000);
    proc.stdout.on('data', () => {
      const match = / at (http:\/\/[^ ]+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
  });
  let received = 0;
  const request = http.get(new URL('/events', url), (response) => {
    response.on('data', (chunk: Buffer) => (received += chunk.length));
  });
  request.on('error', () => {});
  return {
    receivedBytes: () => received,
    stop: async () => {
      request.destroy();
      proc.kill('SIGTERM');
      await exited;
    },
  };
}
