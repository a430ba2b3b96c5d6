import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { assert } from '../../assert.js';
import { StartupError } from '../startup-errors.js';

/**
 * File descriptors kept back from connections for everything else the process opens: stdin,
 * stdout and stderr, the listening socket, the SQLite database with its WAL and shared-memory
 * files, the PIN key file read at start, libuv's own pipes and the thread pool's files.
 */
export const FD_HEADROOM = 64;

/**
 * Sockets that may be open while being turned away (a plain-TCP `91` waits up to a second for the
 * peer to read it). The listener drops any socket past the cap plus these at once, so connections
 * and refusals together never take the descriptors kept back.
 */
export const REFUSALS_OPEN_MAX = 64;

/** The open-file limit this process runs under, and where it was read. */
export interface FdLimit {
  files: number | null;
  source: string;
}

/**
 * The soft open-file limit (RLIMIT_NOFILE) of this process: /proc/self/limits on Linux, else a
 * shell's `ulimit -n`, which inherits this process's limit; null where neither answers (Windows).
 */
export function readFdLimit(): FdLimit {
  try {
    const files = parseProcLimits(readFileSync('/proc/self/limits', 'utf8'));
    if (files !== undefined) return { files, source: '/proc/self/limits' };
  } catch {
    // not Linux: ask a shell below
  }
  if (process.platform === 'win32') return { files: null, source: 'none on this platform' };
  const shell = spawnSync('/bin/sh', ['-c', 'ulimit -n'], { encoding: 'utf8', timeout: 5000 });
  const files = parseUlimit(shell.stdout ?? '');
  return files === undefined ? { files: null, source: 'unknown' } : { files, source: 'ulimit -n' };
}

/** The soft "Max open files" of a /proc/<pid>/limits text; null when unlimited. */
export function parseProcLimits(text: string): number | null | undefined {
  const match = /^Max open files\s+(\S+)/m.exec(text);
  return match ? parseUlimit(match[1]!) : undefined;
}

/** A limit as `ulimit -n` prints it: a whole number, or `unlimited` (null). */
export function parseUlimit(text: string): number | null | undefined {
  const value = text.trim();
  if (value === 'unlimited') return null;
  return /^[0-9]+$/.test(value) ? Number(value) : undefined;
}

/**
 * The connections the server may hold: the configured cap, lowered so that connections, sockets
 * being refused and FD_HEADROOM fit in the open-file limit (PROTOCOL.md §7).
 */
export function connectionsCap(configuredMax: number, fdLimit: number | null): number {
  assert(configuredMax >= 1, 'at least one connection is configured');
  if (fdLimit === null) return configuredMax;
  const fits = fdLimit - FD_HEADROOM - REFUSALS_OPEN_MAX;
  assert(fits >= 1, 'the open-file limit leaves room for at least one connection');
  return Math.min(configuredMax, fits);
}

/** The start-up line that says how many connections fit, and why. */
export function describeCap(configuredMax: number, limit: FdLimit): string {
  const cap = connectionsCap(configuredMax, limit.files);
  const kept = FD_HEADROOM + REFUSALS_OPEN_MAX;
  const files = `${limit.files ?? 'none'} (${limit.source})`;
  return (
    `connections: at most ${cap} of ${configuredMax} configured; open-file limit ${files}, ` +
    `${kept} kept for the database, listeners and refusals`
  );
}

/**
 * The connection cap at start, with the limit it was read from; a limit that leaves no room for
 * connections stops the start with a sentence saying how to raise it.
 */
export function startCap(configuredMax: number): { connectionsMax: number; limit: FdLimit } {
  const limit = readFdLimit();
  const kept = FD_HEADROOM + REFUSALS_OPEN_MAX;
  if (limit.files !== null && limit.files <= kept) {
    throw new StartupError(
      `the open-file limit is ${limit.files}, which leaves no room for ` +
        `connections (the server keeps ${kept} for itself); raise it, e.g. ulimit -n 4096`,
    );
  }
  return { connectionsMax: connectionsCap(configuredMax, limit.files), limit };
}
