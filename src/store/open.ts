import type { Engine } from './engine.js';
import type { OpenEngineOptions } from './open-options.js';
import { parseDbTarget } from './target.js';

/**
 * Opens the bank `--db` names: a file path is SQLite (the embedded default), a `postgres://` or
 * `postgresql://` URL PostgreSQL. Each engine is loaded only when used, so SQLite users never
 * load pg and the other way round. The schema is brought up to date unless read-only.
 */
export async function openEngine(db: string, options: OpenEngineOptions = {}): Promise<Engine> {
  const target = parseDbTarget(db);
  if (target.kind === 'sqlite') {
    const { openSqliteEngine } = await import('./sqlite/engine.js');
    return openSqliteEngine(target.file, options);
  }
  const { openPostgresEngine } = await import('./postgres/engine.js');
  return openPostgresEngine(target, options);
}
