import type { Engine } from '../engine.js';
import type { OpenEngineOptions } from '../open.js';
import type { DbTarget } from '../target.js';

/** Stub: the pg-engine branch implements the PostgreSQL engine. */
export async function openPostgresEngine(target: Extract<DbTarget, { kind: 'postgres' }>,
  options: OpenEngineOptions): Promise<Engine> {
  void options;
  throw new Error(`PostgreSQL is not supported yet (${target.display})`);
}
