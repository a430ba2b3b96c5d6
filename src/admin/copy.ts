import { existsSync, rmSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { defaultPinKeyFile } from '../pin.js';
import type { BankRecord, Engine } from '../store/engine.js';
import { openEngine } from '../store/open.js';
import { parseDbTarget, targetName, type DbTarget } from '../store/target.js';

/**
 * `bank admin copy`: moves a whole bank (accounts with their PIN hashes, the ledger, the audit
 * chain as stored, operator blocks, runs) from one database to another, as a bank grows from
 * SQLite to PostgreSQL. The target must hold no bank; everything is written in one transaction
 * on it, read from one snapshot of the source, so a copy is all there or not there at all.
 */

/** What `admin copy` is given. */
export interface CopyOptions {
  from: string;
  to: string;
  /** The source's PIN key file, to name in the output (default: its default beside --from). */
  pinKey?: string;
}

/** Records copied, by kind. */
export type CopyCounts = Record<BankRecord['kind'], number>;

/** `admin copy`: checks both ends, copies, and says what was copied and what must follow. */
export async function adminCopy(options: CopyOptions, env = process.env): Promise<string> {
  const from = parseDbTarget(options.from);
  const to = parseDbTarget(options.to);
  checkEnds(from, to);
  const created = to.kind === 'sqlite' && !existsSync(to.file);
  if (to.kind === 'sqlite' && !created && statSync(to.file).size > 0) {
    // Opened read-only first: a file that is not a bank must not get the bank's tables.
    await (await openEngine(to.file, { readOnly: true })).close();
  }
  try {
    const counts = await copyBetween(options, targetName(to));
    return [
      describeCopy(counts, targetName(from), targetName(to)),
      describePinKey(options, env),
    ].join('\n');
  } catch (error) {
    if (created) removeSqliteFile(to.file);
    throw error;
  }
}

/** Opens the source read-only and the target (its schema brought up to date), and copies. */
async function copyBetween(options: CopyOptions, targetName: string): Promise<CopyCounts> {
  const source = await openEngine(options.from, { readOnly: true });
  try {
    const target = await openEngine(options.to, {});
    try {
      return await copyBank(source, target, targetName);
    } finally {
      await target.close();
    }
  } finally {
    await source.close();
  }
}

/** Removes a SQLite file this copy created and could not fill, with its WAL files. */
function removeSqliteFile(file: string): void {
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
}

/**
 * Copies every record of source into target, in one transaction on the target and one snapshot
 * of the source; refuses a target that already holds a bank (any account, audit or ledger row).
 */
export async function copyBank(
  source: Engine,
  target: Engine,
  targetName: string,
): Promise<CopyCounts> {
  return source.read((view) =>
    target.change(async (tx) => {
      if (await tx.holdsBank()) {
        throw new Error(`${targetName} already holds a bank; copy only into an empty database`);
      }
      const counts: CopyCounts = { account: 0, txn: 0, audit: 0, chain: 0, block: 0, run: 0 };
      const written = await tx.importBank(counted(view.exportBank(), counts));
      const total = Object.values(counts).reduce((sum, count) => sum + count, 0);
      if (written !== total) throw new Error(`${targetName} took ${written} of ${total} records`);
      return counts;
    }),
  );
}

/** Passes records through, counting them by kind. */
async function* counted(
  records: AsyncIterable<BankRecord>,
  counts: CopyCounts,
): AsyncIterable<BankRecord> {
  for await (const record of records) {
    counts[record.kind] += 1;
    yield record;
  }
}

/** Refuses a source that is missing, a target folder that is not there, and one file twice. */
function checkEnds(from: DbTarget, to: DbTarget): void {
  if (from.kind === 'sqlite' && !existsSync(from.file)) {
    throw new Error(`no database at ${resolve(from.file)} to copy from`);
  }
  if (to.kind === 'sqlite' && !existsSync(dirname(resolve(to.file)))) {
    throw new Error(`cannot create ${to.file}: no directory ${dirname(resolve(to.file))}`);
  }
  const same =
    from.kind === 'sqlite' && to.kind === 'sqlite'
      ? resolve(from.file) === resolve(to.file)
      : from.kind === 'postgres' && to.kind === 'postgres' && from.url === to.url;
  if (same) throw new Error('--from and --to name the same database');
}

/** One line: how much was copied, from where to where. */
export function describeCopy(counts: CopyCounts, from: string, to: string): string {
  const blocks = counts.block === 0 ? '' : `, ${plural(counts.block, 'operator block')}`;
  return (
    `copied ${plural(counts.account, 'account')}, ` +
    `${plural(counts.txn, 'ledger transaction')}, ${plural(counts.audit, 'audit row')}` +
    `${blocks} from ${from} to ${to}`
  );
}

/**
 * What must go with the PIN hashes: the source's PIN key. Without it no PIN matches on the copy,
 * and a server started there would make a new key of its own.
 */
export function describePinKey(options: CopyOptions, env = process.env): string {
  if (env.BANK_PIN_KEY !== undefined && env.BANK_PIN_KEY !== '') {
    return (
      'The PIN hashes were copied as they are: servers on the copy need the same ' + 'BANK_PIN_KEY.'
    );
  }
  const sourceKey = options.pinKey ?? defaultPinKeyFile(options.from, env);
  const targetKey = defaultPinKeyFile(options.to, env);
  const missing = existsSync(sourceKey)
    ? ''
    : ` (there is no ${sourceKey} here: use the key ` + "the source's server used)";
  return (
    `The PIN hashes were copied as they are: servers and admin commands on the copy need ` +
    `the PIN key ${sourceKey}${missing}. Copy it to ${targetKey} where they run (their ` +
    `default), or give them --pin-key.`
  );
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
