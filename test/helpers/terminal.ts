import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BANK } from './server.js';
import { sleep } from './poll.js';

/**
 * A program running in a real pseudo-terminal: a pane of a private tmux server (its own socket,
 * so tests never touch anyone's tmux, nor each other's). Keys go in with send-keys; the screen,
 * as a terminal draws it, comes out with capture-pane.
 */

const TMUX = 'tmux';
const POLL_MS = 100;
/** How long to wait for text to appear; generous, since other work shares the machine. */
const WAIT_MS_MAX = 20_000;

/** Fails with a clear message when tmux is missing: the terminal tests need it, never skip. */
export function requireTmux(tmux = TMUX): void {
  const probe = spawnSync(tmux, ['-V'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      'the terminal tests need tmux (apt-get install tmux); ' +
        `running "${tmux} -V" failed: ${probe.error?.message ?? probe.stderr}`,
    );
  }
}

/** The pane size and extra environment for the program. */
export interface TerminalOptions {
  columns?: number;
  rows?: number;
  /** Extra environment for the program, e.g. { NO_COLOR: '1' }. */
  env?: Record<string, string>;
}

/** A terminal running one program; `close()` ends it and its tmux server. */
export class Terminal {
  private constructor(
    private readonly socket: string,
    private readonly dir: string,
  ) {}

  private get statusFile(): string {
    return join(this.dir, 'exit-status');
  }

  /** Starts `program args…` in a fresh tmux server, in a pane of the given size (80x24). */
  static start(program: string[], options: TerminalOptions = {}): Terminal {
    requireTmux();
    const dir = mkdtempSync(join(tmpdir(), 'bank-tmux-'));
    // The tmux server's socket lives in that directory too, so close() leaves nothing behind.
    const socket = join(dir, 'tmux.sock');
    const config = join(dir, 'tmux.conf');
    // remain-on-exit keeps the pane (and its last screen) after the program ends, so the test
    // can read the goodbye; a big history keeps a whole session.
    writeFileSync(config, 'set -g remain-on-exit on\nset -g history-limit 5000\n');
    const terminal = new Terminal(socket, dir);
    const size = ['-x', String(options.columns ?? 80), '-y', String(options.rows ?? 24)];
    const env = Object.entries(options.env ?? {}).map(([name, value]) => `${name}=${value}`);
    // A shell waits for the program and writes its exit status to a file: tmux alone sometimes
    // leaves a finished program unreaped (a zombie) for a long while, status unknown. Its no-op
    // trap lets a Ctrl-C signal reach the program without ending the shell first.
    const script = 'trap : INT; env "$@"; echo "$?" > "$0"';
    terminal.tmux([
      '-f',
      config,
      'new-session',
      '-d',
      '-s',
      'atm',
      ...size,
      'sh',
      '-c',
      script,
      terminal.statusFile,
      ...env,
      ...program,
    ]);
    return terminal;
  }

  /** Types text literally (no key names). */
  type(text: string): void {
    this.tmux(['send-keys', '-t', 'atm', '-l', text]);
  }

  /** Presses named keys: Enter, Up, Down, C-c, C-d, y … */
  press(...keys: string[]): void {
    this.tmux(['send-keys', '-t', 'atm', ...keys]);
  }

  /** What the pane shows now, trailing blank lines dropped. */
  screen(): string {
    return trimEnd(this.tmux(['capture-pane', '-p', '-t', 'atm']));
  }

  /** The pane with its escape sequences (colours), as capture-pane -e gives it. */
  screenWithEscapes(): string {
    return trimEnd(this.tmux(['capture-pane', '-p', '-e', '-t', 'atm']));
  }

  /** Everything the pane has shown, scrolled-off lines included. */
  history(): string {
    return trimEnd(this.tmux(['capture-pane', '-p', '-S', '-', '-E', '-', '-t', 'atm']));
  }

  /** Waits (bounded polling) until text appears anywhere in the history; returns the history. */
  async waitFor(text: string | RegExp): Promise<string> {
    return this.poll(
      () => {
        const history = this.history();
        return contains(history, text) ? history : null;
      },
      `${String(text)} on the terminal`,
    );
  }

  /**
   * Waits until a prompt with this message is waiting for an answer: a line of the screen that
   * starts with Inquirer's "? " (an answered prompt's line starts with a tick instead, and one
   * cut short is wiped), so a prompt asked again is told apart from its earlier self.
   */
  async waitForPrompt(message: string): Promise<string> {
    return this.poll(() => {
      const screen = this.screen();
      const asking = screen.split('\n').some((line) => line.startsWith(`? ${message}`));
      return asking ? screen : null;
    }, `the prompt "? ${message}"`);
  }

  /** The program's exit status once it has ended (128 + the signal that killed it), else null. */
  exitStatus(): number | null {
    if (!existsSync(this.statusFile)) return null;
    const written = /^([0-9]+)\n$/.exec(readFileSync(this.statusFile, 'utf8'));
    return written ? Number(written[1]) : null; // null while the shell is still writing it
  }

  /** Waits (bounded polling) for the program to end; resolves with its exit status. */
  async waitForExit(): Promise<number> {
    for (let waited = 0; waited <= WAIT_MS_MAX; waited += POLL_MS) {
      const status = this.exitStatus();
      if (status !== null) return status;
      await sleep(POLL_MS);
    }
    throw new Error(`the program did not end; the terminal shows:\n${this.history()}`);
  }

  /** Polls until check gives a value; fails, showing the screen, after WAIT_MS_MAX. */
  private async poll<T>(check: () => T | null, what: string): Promise<T> {
    for (let waited = 0; waited <= WAIT_MS_MAX; waited += POLL_MS) {
      const ended = this.exitStatus() !== null;
      const found = check();
      if (found !== null) return found;
      if (ended) break; // checked once more after the end: nothing new will come
      await sleep(POLL_MS);
    }
    const status = this.exitStatus();
    const ended = status === null ? '' : ` (the program ended with status ${status})`;
    throw new Error(`did not see ${what}${ended}; the terminal shows:\n${this.history()}`);
  }

  /** Ends the program and the private tmux server. */
  close(): void {
    spawnSync(TMUX, ['-S', this.socket, 'kill-server'], { encoding: 'utf8' });
    rmSync(this.dir, { recursive: true, force: true });
  }

  private tmux(args: string[]): string {
    const result = spawnSync(TMUX, ['-S', this.socket, ...args], {
      encoding: 'utf8',
      env: tmuxEnv(),
      timeout: 10_000,
    });
    if (result.error || result.status !== 0) {
      throw new Error(`tmux ${args.join(' ')} failed: ${result.error?.message ?? result.stderr}`);
    }
    return result.stdout;
  }
}

/** `bank atm` against a test server, as a terminal runs it. */
export function bankAtm(port: number, ...args: string[]): string[] {
  return [process.execPath, BANK, 'atm', '--host', '127.0.0.1', '--port', String(port), ...args];
}

/**
 * The environment of the tmux server and so of the program: the runner's own, minus what
 * would change the screen under test (colour switches), with a UTF-8 locale.
 */
function tmuxEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' };
  for (const name of ['NO_COLOR', 'FORCE_COLOR', 'NODE_DISABLE_COLORS', 'TMUX', 'TMUX_PANE']) {
    delete env[name];
  }
  return env;
}

function contains(history: string, text: string | RegExp): boolean {
  return typeof text === 'string' ? history.includes(text) : new RegExp(text).test(history);
}

function trimEnd(text: string): string {
  return text.replace(/\s+$/, '');
}
