// The SQLite world of a chaos run: one bank server on a SQLite file in a small file system of
// its own; the nemesis fills that file system, and freezes or kills the server.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBank } from '../test/helpers/server.js';
import type { Customer } from '../test/helpers/customers.js';
import { ChaosServer } from './bank-servers.js';
import { fillDisk, freeDisk, mountSmallDisk, unmountSmallDisk } from './disk.js';
import { chaosAccounts, type EngineWorld } from './run-engine.js';
import type { Fault, FaultKind } from './schedule.js';

/** Unmounts what a SQLite world mounted (a hard stop of the run). */
export const sqliteHardStops: (() => void)[] = [];

/** Sets up the small disk, the seeded bank and its server (started). */
export async function sqliteWorld(
  customers: Customer[],
  serverArgs: string[],
): Promise<EngineWorld> {
  const dir = mkdtempSync(join(tmpdir(), 'bank-chaos-sqlite-'));
  const diskDir = join(dir, 'disk');
  mkdirSync(diskDir);
  const disk = mountSmallDisk(diskDir);
  if (disk.mounted) sqliteHardStops.push(() => unmountSmallDisk(diskDir));
  const db = join(diskDir, 'bank.sqlite');
  writeFileSync(join(dir, 'accounts.txt'), chaosAccounts(customers));
  const seeded = runBank(['admin', 'seed', '--db', db, '--file', join(dir, 'accounts.txt')]);
  if (seeded.code !== 0) throw new Error(`seeding the SQLite bank: ${seeded.stderr}`);
  const server = new ChaosServer(db, serverArgs);
  await server.start();
  const kinds: FaultKind[] = ['server-stop', 'server-kill'];
  if (disk.mounted) kinds.push('disk-full');
  const skipped = disk.mounted ? [] : [{ kind: 'disk-full', why: disk.why }];
  let filler = '';
  const inject = async (fault: Fault): Promise<void> => {
    if (fault.kind === 'disk-full') filler = fillDisk(diskDir);
    else if (fault.kind === 'server-stop') server.freeze();
    else if (fault.kind === 'server-kill') await server.kill();
  };
  const heal = async (fault: Fault): Promise<void> => {
    if (fault.kind === 'disk-full') freeDisk(filler);
    else if (fault.kind === 'server-stop') server.thaw();
    else if (fault.kind === 'server-kill') await server.start();
  };
  const teardown = async (): Promise<void> => {
    if (disk.mounted) unmountSmallDisk(diskDir);
    rmSync(dir, { recursive: true, force: true });
  };
  return { engine: 'sqlite', db, servers: [server], kinds, skipped, inject, heal, teardown };
}
