import { Code, formatCode, type CodeName } from '../../protocol/codes.js';
import { codeMeaning } from '../../protocol/code-meanings.js';
import { withEngine } from '../access.js';
import { DashboardFeed } from './feed.js';
import { checkListen } from './guard.js';
import { serveDashboard } from './http.js';
import { TRAFFIC_VERBS, WATCHED_CODES } from './traffic.js';

/** How `bank admin dashboard` runs. */
export interface DashboardOptions {
  /** A SQLite file path or a postgres:// URL. */
  db: string;
  listen: { host: string; port: number };
  /** Required on a listen address beyond loopback; checked on every request when given. */
  token?: string;
  lockTtlMs: number;
  intervalMs: number;
  /** Stops the dashboard (Ctrl-C in the CLI); the promise then resolves. */
  signal: AbortSignal;
  print: (line: string) => void;
}

/** Every code with its name and PROTOCOL.md §6 meaning, for the page's legends. */
function codeLegend(): { code: string; name: string; meaning: string }[] {
  return (Object.entries(Code) as [CodeName, (typeof Code)[CodeName]][]).map(([name, code]) => ({
    code: formatCode(code),
    name,
    meaning: codeMeaning[name],
  }));
}

/**
 * `bank admin dashboard`: a read-only web view of one bank, live. One feed polls the bank (opened
 * read-only) once per interval and every open page gets its result over server-sent events, so
 * the bank's load does not grow with the number of pages.
 */
export async function runDashboard(options: DashboardOptions): Promise<void> {
  checkListen(options.listen.host, options.token);
  await withEngine({ db: options.db }, 'read', async (engine) => {
    const feed = new DashboardFeed(engine, {
      lockTtlMs: options.lockTtlMs,
      intervalMs: options.intervalMs,
      onPoll: (state, rows) => server?.broadcast('state', JSON.stringify({ state, rows })),
      log: (line) => console.error(line),
    });
    let server: Awaited<ReturnType<typeof serveDashboard>> | undefined;
    await feed.poll();
    const legend = {
      lockTtlMs: options.lockTtlMs,
      codes: codeLegend(),
      verbs: TRAFFIC_VERBS,
      watched: WATCHED_CODES.map(formatCode),
    };
    server = await serveDashboard(options.listen, options.token, {
      hello: () => JSON.stringify({ ...legend, state: feed.latest ?? null, rows: feed.backlog() }),
      dialogue: (conn) => JSON.stringify(feed.dialogue(conn)),
    });
    options.print(`dashboard of ${engine.where} at ${server.url} (Ctrl-C to stop)`);
    if (options.token !== undefined) {
      options.print('it asks for its token: open it once as /?token=<token> (kept in a cookie)');
    }
    try {
      await feed.run(options.signal);
    } finally {
      await server.close();
    }
  });
}
