import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { parseDbTarget } from '../store/target.js';
import type { ServerConfig } from './config.js';

/**
 * Start-up failures as one sentence that names the thing and what to do, checked before the
 * server creates anything, so that a start that fails leaves no file behind.
 */
export class StartupError extends Error {}

/**
 * Checks the database and PIN key paths before SQLite or the key file creates anything there
 * (a PostgreSQL URL is no path: its database is checked when it is opened).
 */
export function checkStartPaths(config: ServerConfig): void {
  const target = parseDbTarget(config.dbFile);
  if (target.kind === 'sqlite' && target.file !== ':memory:') {
    checkWritableFile(target.file, '--db', 'database');
  }
  const keyFromEnv = (process.env.BANK_PIN_KEY ?? '') !== '';
  if (!keyFromEnv) checkWritableFile(config.pinKeyFile, '--pin-key', 'PIN key');
}

/** A file we will open for writing, or create: its folder exists, and both may be written. */
function checkWritableFile(file: string, flag: string, what: string): void {
  const folder = dirname(resolve(file));
  if (!existsSync(folder)) {
    throw new StartupError(
      `the folder ${folder} for ${flag} does not exist; create it ` +
        `(mkdir -p ${folder}) or choose another ${flag}`,
    );
  }
  if (!statSync(folder).isDirectory()) {
    throw new StartupError(`${folder} (from ${flag}) is not a folder; choose another ${flag}`);
  }
  if (existsSync(file) && statSync(file).isDirectory()) {
    throw new StartupError(
      `${flag} ${file} is a folder; give a file name, like ` + `${file}/bank.sqlite`,
    );
  }
  if (existsSync(file) && !canAccess(file, constants.R_OK | constants.W_OK)) {
    throw new StartupError(
      `the ${what} file ${file} is read-only (or unreadable) for this ` +
        `user; make it writable (chmod u+rw ${file}) or choose another ${flag}`,
    );
  }
  if (!canAccess(folder, constants.W_OK | constants.X_OK)) {
    throw new StartupError(
      `the folder ${folder} is read-only for this user, and the ${what} ` +
        `file ${basename(file)} needs files beside it there; make it writable or choose another ` +
        flag,
    );
  }
}

function canAccess(path: string, mode: number): boolean {
  try {
    accessSync(path, mode);
    return true;
  } catch {
    return false;
  }
}

/** What went wrong reading a TLS certificate or key, and which flag to fix. */
export function tlsError(error: unknown, config: ServerConfig): StartupError {
  const { certFile, keyFile } = config.tls!;
  const code = (error as NodeJS.ErrnoException).code;
  const path = (error as NodeJS.ErrnoException).path;
  if (path !== undefined) {
    const flag = path === keyFile ? '--tls-key' : '--tls-cert';
    return new StartupError(
      `cannot read ${path} given to ${flag} (${code}); check the path ` +
        `and that this user may read it`,
    );
  }
  return new StartupError(
    `the TLS certificate ${certFile} and key ${keyFile} are not a ` +
      `usable PEM pair (${(error as Error).message}); check --tls-cert and --tls-key`,
  );
}

/** Names the flags to fix when a listener cannot bind: the bank port or --metrics. */
export interface ListenFlags {
  host: string;
  port: string;
}

/** Why a listen failed, in one sentence with the flag to change. */
export function listenError(
  error: unknown,
  address: { host: string; port: number },
  flags: ListenFlags,
): StartupError {
  const { host, port } = address;
  switch ((error as NodeJS.ErrnoException).code) {
    case 'EADDRINUSE':
      return new StartupError(
        `port ${port} on ${host} is in use (another bank server?); ` +
          `pick another with ${flags.port}`,
      );
    case 'EACCES':
      return new StartupError(
        `this user may not listen on port ${port} (ports below 1024 need ` +
          `privileges); pick another with ${flags.port}`,
      );
    case 'EADDRNOTAVAIL':
      return new StartupError(
        `${host} is not an address of this machine; give one of its ` +
          `addresses with ${flags.host} (127.0.0.1: this machine only)`,
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
      return new StartupError(
        `cannot resolve the host "${host}"; give an IP address or a ` +
          `known host name with ${flags.host}`,
      );
    default:
      return new StartupError(
        `cannot listen on ${host}:${port} (${(error as Error).message}); ` +
          `check ${flags.host} and ${flags.port}`,
      );
  }
}
