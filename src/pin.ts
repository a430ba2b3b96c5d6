import { createHmac, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { assert } from './assert.js';
import { routeHosts } from './store/postgres/hosts.js';
import { parseDbTarget } from './store/target.js';

/**
 * PIN storage: scrypt over HMAC-SHA256(pin-key, pin) with a per-account salt. The key lives outside
 * the database, so a stolen database alone cannot be searched for its 10,000 possible PINs.
 */
const SCHEME = 'scrypt1';
// About 10 ms and 8 MiB a login, on the thread pool.
const COST = { N: 1 << 13, r: 8, p: 1 } as const;
const KEY_BYTES = 32;
const HASH_BYTES = 32;

/**
 * Where a database's PIN key lives unless --pin-key says otherwise, never inside it: beside a
 * SQLite file (`bank.sqlite.pin-key`); for a PostgreSQL URL, `<database>.pin-key` in the current
 * folder (`bank.pin-key` for postgres://host/bank), from PGDATABASE when the URL names none, else
 * `bank.pin-key`. Host and password never go into the name; every server of one bank finds it
 * under the same name.
 */
export function defaultPinKeyFile(db: string, env = process.env): string {
  const target = parseDbTarget(db);
  if (target.kind === 'sqlite') return `${target.file}.pin-key`;
  return `${databaseName(target.url, env)}.pin-key`;
}

/** The database a PostgreSQL URL names, as a safe file name ('bank' when it names none). */
function databaseName(url: string, env: NodeJS.ProcessEnv): string {
  let name = '';
  try {
    // A URL listing several hosts is no WHATWG URL: its first host's is, with the same path.
    name = decodeURIComponent(new URL(routeHosts(url).urls[0]!).pathname.slice(1));
  } catch {
    // Not a URL the driver would take either; it will say so when the bank is opened.
  }
  if (name === '') name = env.PGDATABASE ?? '';
  return name === '' ? 'bank' : name.replace(/[^A-Za-z0-9_-]/g, '_');
}

/** Reads the PIN key from BANK_PIN_KEY or a file, creating the file (mode 0600) on first use. */
export function loadPinKey(file: string, env = process.env): Buffer {
  const fromEnv = env.BANK_PIN_KEY;
  if (fromEnv !== undefined && fromEnv !== '') return Buffer.from(fromEnv, 'utf8');
  if (!existsSync(file)) {
    writeFileSync(file, `${randomBytes(KEY_BYTES).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  }
  chmodSync(file, 0o600);
  const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'hex');
  if (key.length < 16) throw new Error(`PIN key file ${file} holds no usable key`);
  return key;
}

/**
 * Whether loading the key from `file` would make a new one (no BANK_PIN_KEY, no file) for a bank
 * that already has accounts: their PINs could never match it. The caller refuses instead.
 */
export async function wouldOrphanPins(
  file: string,
  hasAccounts: () => Promise<boolean>,
  env = process.env,
): Promise<boolean> {
  if ((env.BANK_PIN_KEY ?? '') !== '' || existsSync(file)) return false;
  return hasAccounts();
}

/** Hashes a PIN for storage with a fresh salt. */
export async function hashPin(key: Buffer, pin: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await derive(key, pin, salt);
  const fields = [SCHEME, COST.N, COST.r, COST.p, salt.toString('base64'), hash.toString('base64')];
  return fields.join('$');
}

// A stored hash for no account: an unknown account costs the same scrypt work as a known one.
const DUMMY_SALT = Buffer.alloc(16).toString('base64');
const DUMMY_HASH = `${SCHEME}$${COST.N}$${COST.r}$${COST.p}$${DUMMY_SALT}$`;

/** True when the PIN matches; with no stored hash it does the same work and answers false. */
export async function verifyPin(
  key: Buffer,
  pin: string,
  stored: string | undefined,
): Promise<boolean> {
  const parts = (stored ?? DUMMY_HASH).split('$');
  assert(parts.length === 6 && parts[0] === SCHEME, 'stored PIN hashes use the known scheme');
  const [, N, r, p, saltB64, hashB64] = parts as [string, string, string, string, string, string];
  const expected = Buffer.from(hashB64, 'base64');
  const salt = Buffer.from(saltB64, 'base64');
  const actual = await derive(key, pin, salt, { N: Number(N), r: Number(r), p: Number(p) });
  if (stored === undefined || expected.length !== actual.length) return false;
  return timingSafeEqual(expected, actual);
}

/** scrypt on the libuv thread pool, so a login never blocks other clients. */
type Cost = { N: number; r: number; p: number };

function derive(key: Buffer, pin: string, salt: Buffer, cost: Cost = COST): Promise<Buffer> {
  const peppered = createHmac('sha256', key).update(pin).digest();
  return new Promise((resolve, reject) => {
    scrypt(peppered, salt, HASH_BYTES, { ...cost, maxmem: 64 * 1024 * 1024 }, (error, hash) =>
      error ? reject(error) : resolve(hash),
    );
  });
}
