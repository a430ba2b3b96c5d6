// The bench's `--echo`: the same load generator, the same sessions and the same request mix,
// against bare echo servers (bench/echo-server.ts, no database) right after the bank's run, so
// that the bank's throughput can be read as a share of what the machine's sockets allow now.
import { fileURLToPath } from 'node:url';
import { openSessions, runLoad } from './load.js';
import { spawnListening, startServers } from './server.js';
import { summarize } from './stats.js';

const ECHO_SERVER = fileURLToPath(new URL('./echo-server.ts', import.meta.url));

/** What the echo run measured. */
export interface EchoFigures {
  tps: number;
  p99_ms: number;
  /** The echo servers' CPU per transaction (summed), in µs. */
  serverUsPerTx: number;
  /** Replies other than 00 and requests left unanswered: 0 unless something broke. */
  errors: number;
}

/** How the bank's run was driven: the echo run is driven the same way. */
export interface EchoPlan {
  servers: number;
  sessions: number;
  seconds: number;
  rate?: number;
}

/** Starts `plan.servers` echo servers, drives them like the bank, and stops them. */
export async function measureEcho(plan: EchoPlan): Promise<EchoFigures> {
  // The echo server is TypeScript: node loads it through tsx's loader, resolved from here.
  const tsx = import.meta.resolve('tsx');
  const servers = await startServers(plan.servers, () =>
    spawnListening(['--import', tsx, ECHO_SERVER]),
  );
  try {
    const clients = await openSessions(servers.ports, plan.sessions);
    const cpuFrom = servers.cpuSeconds();
    const tally = await runLoad(clients, { seconds: plan.seconds, rate: plan.rate });
    const cpuSeconds = servers.cpuSeconds() - cpuFrom;
    clients.forEach((client) => client.close());
    const { tps, p99_ms, errors } = summarize(tally);
    const serverUsPerTx = Math.round((1e6 * cpuSeconds) / Math.max(1, tally.latenciesMs.length));
    return { tps, p99_ms, serverUsPerTx, errors };
  } finally {
    await servers.stop();
  }
}
