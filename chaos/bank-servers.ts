// The bank servers of a chaos run: real `bank server` processes on 127.0.0.1 (bench/server.ts
// starts them), which the nemesis freezes (SIGSTOP/SIGCONT) and kills (SIGKILL, then a restart
// under the same --server-name, which frees the locks the killed one left). A server that exits
// of itself is noted (an invariant: servers stay up) and started again, as a supervisor would,
// so that the rest of the run still has its servers.
import { type BenchServer, startBankServer } from '../bench/server.js';
import { sleep } from '../test/helpers/poll.js';
import { isAlive } from '../test/helpers/process.js';
import { BANK } from '../test/helpers/server.js';

/** How often the supervisor looks, and how long it waits before starting a dead server again. */
const WATCH_MS = 200;
const RESTART_DELAY_MS = 500;

/** Every server process started, so that a hard stop can kill what is left. */
const started = new Set<number>();

/** One bank server that may be frozen, killed and restarted. */
export class ChaosServer {
  private current: BenchServer | null = null;
  private frozen = false;
  /** Each time the server was found to have exited of itself (not killed by the nemesis). */
  readonly deaths: string[] = [];
  private watch: NodeJS.Timeout | null = null;
  private busy = false;
  /** Set while a server that exited of itself waits to be started again. */
  private orphaned = false;

  constructor(
    private readonly db: string,
    private readonly args: string[],
  ) {}

  /** The port ATMs may connect to now, or null while the server is down. */
  get port(): number | null {
    return this.current?.port ?? null;
  }

  /** Starts the server (again) and waits for its "listening on" line. */
  async start(): Promise<void> {
    while (this.busy) await sleep(WATCH_MS); // the supervisor is starting it already
    if (this.current) return;
    this.busy = true;
    try {
      this.current = await startBankServer(BANK, this.db, this.args);
      started.add(this.current.pid);
    } finally {
      this.busy = false;
    }
    this.watch ??= setInterval(() => void this.supervise(), WATCH_MS);
  }

  /** Notes a server that exited of itself, and starts it again (until it starts). */
  private async supervise(): Promise<void> {
    const server = this.current;
    // Nothing to do while starting, while up, or while down on purpose (the nemesis's kill).
    if (this.busy || (server ? isAlive(server.pid) : !this.orphaned)) return;
    this.busy = true;
    if (server) {
      this.current = null;
      const code = await server.stop();
      started.delete(server.pid);
      this.deaths.push(`exited ${code}: ${lastLines(server.output())}`);
      this.orphaned = true;
    }
    await sleep(RESTART_DELAY_MS);
    this.busy = false;
    if (!this.orphaned) return;
    // The database may still be starting up: the next look tries again.
    await this.start().then(
      () => (this.orphaned = false),
      () => undefined,
    );
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
    if (this.watch) clearInterval(this.watch);
    this.watch = null;
    while (this.busy) await sleep(WATCH_MS);
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
    try {
      if (this.current) process.kill(this.current.pid, signal);
    } catch {
      // It exited of itself a moment ago: the supervisor notes it and starts it again.
    }
  }
}

/** The last lines a server printed that say something: the error that ended it. */
function lastLines(output: string): string {
  return output
    .split('\n')
    .filter((line) => /\S/.test(line) && !/^\s+at /.test(line))
    .slice(-4)
    .join(' | ');
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
