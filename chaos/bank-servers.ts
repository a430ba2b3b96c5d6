// The bank servers of a chaos run: real `bank server` processes on 127.0.0.1 (bench/server.ts
// starts them), which the nemesis freezes (SIGSTOP/SIGCONT) and kills (SIGKILL, then a restart
// under the same --server-name, which frees the locks the killed one left).
import { type BenchServer, startBankServer } from '../bench/server.js';
import { BANK } from '../test/helpers/server.js';

/** Every server process started, so that a hard stop can kill what is left. */
const started = new Set<number>();

/** One bank server that may be frozen, killed and restarted. */
export class ChaosServer {
  private current: BenchServer | null = null;
  private frozen = false;
  /** Each time the server was found to have exited of itself (not killed by the nemesis). */
  readonly deaths: string[] = [];

  constructor(private readonly db: string, private readonly args: string[]) {}

  /** The port ATMs may connect to now, or null while the server is down. */
  get port(): number | null {
    return this.current?.port ?? null;
  }

  /** Starts the server (again) and waits for its "listening on" line. */
  async start(): Promise<void> {
    this.current = await startBankServer(BANK, this.db, this.args);
    started.add(this.current.pid);
  }

  /** SIGSTOP: the process stays, its sockets stay open, nothing is answered. */
  freeze(): void {
    this.signal('SIGSTOP');
    this.frozen = true;
  }

  /** SIGCONT. */
  thaw(): void {
    this.signal('SIGCONT');
    this.frozen = false;
  }

  /** SIGKILL, and wait for the exit. */
  async kill(): Promise<void> {
    const server = this.current;
    if (!server) return;
    this.current = null;
    try {
      process.kill(server.pid, 'SIGKILL');
    } catch {
      this.deaths.push(`exited before it was killed: ${lastLines(server.output())}`);
    }
    await server.stop(); // the SIGTERM finds it gone; the exit is what is awaited
    started.delete(server.pid);
  }

  /** SIGTERM (after SIGCONT if frozen) and its exit code; what it printed, for a report. */
  async stop(): Promise<{ code: number | null; output: string }> {
    const server = this.current;
    if (!server) return { code: null, output: '' };
    if (this.frozen) this.thaw();
    this.current = null;
    const code = await server.stop();
    started.delete(server.pid);
    if (code !== 0) this.deaths.push(`exited ${code}: ${lastLines(server.output())}`);
    return { code, output: server.output() };
  }

  private signal(signal: NodeJS.Signals): void {
    if (this.current) process.kill(this.current.pid, signal);
  }
}

/** The last lines a server printed that say something: the error that ended it. */
function lastLines(output: string): string {
  return output.split('\n').filter((line) => /\S/.test(line) && !/^\s+at /.test(line))
    .slice(-4).join(' | ');
}

/** Kills every server still running (a hard stop of the run). */
export function killAllServers(): void {
  for (const pid of started) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
}
