import { seedFromFile } from '../admin/seed.js';
import { listAccounts } from '../store/accounts.js';
import type { ServerConfig } from './config.js';
import { startServer } from './listen.js';

/**
 * `bank server`: listens until SIGINT or SIGTERM, then stops accepting, ends every session,
 * releases their locks and closes the database. With demo set, an empty database first gets
 * the demo accounts.
 */
export async function runServer(config: ServerConfig, demo: boolean): Promise<void> {
  const log = (line: string): void => console.log(`${new Date().toISOString()} ${line}`);
  const server = await startServer(config, log);
  if (demo && listAccounts(server.ctx.store).length === 0) {
    const result = await seedFromFile(server.ctx.store, server.ctx.pinKey, undefined, false);
    if ('errors' in result) log(`demo seed failed: ${result.errors.join('; ')}`);
    else log(`loaded ${result.loaded} demo accounts`);
  }
  console.log(`listening on ${server.host}:${server.port}`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      log(`${signal}: closing sessions and the database`);
      void server.close().then(resolve);
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}
