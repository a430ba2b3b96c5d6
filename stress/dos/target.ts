/**
 * The server under attack: a fresh copy of the seeded database, a real `bank server` process
 * from the build being measured, and what is read from outside it (CPU, audit rows, file sizes).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { startBankServer, type BenchServer } from '../../bench/server.js';

/** A server to attack and its database. */
export interface Target {
  server: BenchServer;
  dir: string;
  dbFile: string;
  port: number;
}

/** What the target starts from: the build, its seeded database, and flags. */
export interface TargetPlan {
  bank: string;
  /** A seeded database (bank.sqlite and its PIN key) that every attack copies. */
  templateDir: string;
  /** TLS certificate and key, for attacks on a TLS server. */
  tls?: { certFile: string; keyFile: string };
  /** Extra `bank server` flags (--server-arg): none by default, so old builds run too. */
  serverArgs: string[];
}

/** Servers started and not yet stopped, so that a hard stop can kill them. */
const live = new Set<BenchServer>();

/** Kills every server still running (SIGKILL): the tool's hard stop. */
export function killTargets(): void {
  for (const server of live) {
    try {
      process.kill(server.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** Copies the template database and starts the server on 127.0.0.1, port 0. */
export async function openTarget(plan: TargetPlan): Promise<Target> {
  const dir = mkdtempSync(join(tmpdir(), 'bank-dos-'));
  cpSync(plan.templateDir, dir, { recursive: true });
  const dbFile = join(dir, 'bank.sqlite');
  const tls = plan.tls ? ['--tls-cert', plan.tls.certFile, '--tls-key', plan.tls.keyFile] : [];
  const server = await startBankServer(plan.bank, dbFile, [...tls, ...plan.serverArgs]).catch(
    (error: Error) => {
      rmSync(dir, { recursive: true, force: true });
      throw error;
    },
  );
  live.add(server);
  return { server, dir, dbFile, port: server.port };
}

/** A reading of the target at one moment. */
export interface Snapshot {
  atMs: number;
  cpuSeconds: number;
  auditRows: number;
  /** Pages of the audit table and its indexes (SQLite's dbstat), in bytes. */
  auditBytes: number;
  /** bank.sqlite plus its write-ahead log, in bytes. */
  dbBytes: number;
}

/** The audit's rows and the bytes of its pages, table and indexes (every name "audit…"). */
const AUDIT_SQL = `SELECT (SELECT COUNT(*) FROM audit) AS n,
  (SELECT SUM(pgsize) FROM dbstat WHERE name LIKE 'audit%') AS bytes`;

/** Reads CPU time from /proc, the audit (read-only connection) and the database's size. */
export function snapshot(target: Target): Snapshot {
  const db = new Database(target.dbFile, { readonly: true, fileMustExist: true });
  try {
    const { n, bytes } = db.prepare(AUDIT_SQL).get() as { n: number; bytes: number };
    return {
      atMs: performance.now(),
      cpuSeconds: target.server.cpuSeconds(),
      auditRows: n,
      auditBytes: bytes,
      dbBytes: fileBytes(target.dbFile) + fileBytes(`${target.dbFile}-wal`),
    };
  } finally {
    db.close();
  }
}

function fileBytes(file: string): number {
  return existsSync(file) ? statSync(file).size : 0;
}

/** Stops the server (SIGTERM), then times `bank admin verify` on what it left. */
export async function closeTarget(
  target: Target,
  bank: string,
): Promise<{ exitCode: number | null; verify: { ok: boolean; ms: number; output: string } }> {
  const exitCode = await target.server.stop();
  live.delete(target.server);
  const startMs = performance.now();
  const result = spawnSync(process.execPath, [bank, 'admin', 'verify', '--db', target.dbFile], {
    encoding: 'utf8',
    timeout: 300_000,
  });
  const ms = Math.round(performance.now() - startMs);
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  return { exitCode, verify: { ok: result.status === 0, ms, output } };
}

/** Removes the target's database directory. */
export function removeTarget(target: Target): void {
  rmSync(target.dir, { recursive: true, force: true });
}
