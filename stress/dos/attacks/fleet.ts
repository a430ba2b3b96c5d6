/**
 * A fleet of attacker connections: groups × connections per group, each a loop that connects
 * from its group's address (127.0.N.1), runs the attack's body, and reconnects, until the end
 * time. Bounded in time (endMs) and in count (CONNECTS_MAX); every socket goes to loopback.
 */
import { sleep } from '../../../test/helpers/poll.js';
import { WireClient } from '../../../test/helpers/wire.js';
import { attackerAddress } from '../plan.js';
import type { AttackerTally } from '../report.js';

/** Connections one attack may open in all, whatever the time left. */
const CONNECTS_MAX = 250_000;
/** The longest a connect may take before it counts as failed. */
const CONNECT_MS_MAX = 5_000;

/** What the attacker process is told: where, until when, and the account to use. */
export interface AttackerPlan {
  attack: string;
  port: number;
  /** Wall-clock end (Date.now() ms): every loop stops and every socket is let go then. */
  endMs: number;
  decoy: { account: string; pin: string };
  seed: number;
}

/** The fleet's shape. */
export interface FleetShape {
  groups: number;
  perGroup: number;
  /** Delay between the first connects of a group's connections, to spread the opening. */
  staggerMs: number;
  /** Wait before reconnecting once a connection has ended. */
  pauseMs: number;
}

/** One connection's work: returns when it is done with the connection (or the time is up). */
export type Body = (peer: WireClient, endMs: number) => Promise<void>;

/** What a fleet observed, beyond the tally: open connections and lifetimes of held ones. */
export interface FleetStats {
  tally: AttackerTally;
  openNow: number;
  openMax: number;
  /** Lifetimes of connections the server closed after accepting them (no 91 first). */
  closedLifetimesMs: number[];
}

/** Time left until endMs, at least 1 ms. */
export function remainingMs(endMs: number, capMs = Infinity): number {
  return Math.max(1, Math.min(capMs, endMs - Date.now()));
}

/** Runs the fleet until plan.endMs and returns what it saw. */
export async function runFleet(
  plan: AttackerPlan,
  shape: FleetShape,
  body: Body,
): Promise<FleetStats> {
  const stats: FleetStats = {
    tally: { connects: 0, connectErrors: 0, closedByServer: 0, replies: {}, extra: {} },
    openNow: 0,
    openMax: 0,
    closedLifetimesMs: [],
  };
  const loops: Promise<void>[] = [];
  for (let g = 0; g < shape.groups; g++) {
    for (let c = 0; c < shape.perGroup; c++) {
      loops.push(connectionLoop({ plan, shape, body, stats }, attackerAddress(g), c));
    }
  }
  await Promise.all(loops);
  stats.tally.extra.open_max = stats.openMax;
  return stats;
}

interface Loop {
  plan: AttackerPlan;
  shape: FleetShape;
  body: Body;
  stats: FleetStats;
}

async function connectionLoop(loop: Loop, address: string, index: number): Promise<void> {
  const { plan, stats } = loop;
  await sleep(index * loop.shape.staggerMs);
  while (Date.now() < plan.endMs && stats.tally.connects < CONNECTS_MAX) {
    const peer = await WireClient.connect(
      plan.port,
      address,
      remainingMs(plan.endMs, CONNECT_MS_MAX),
    ).catch(() => null);
    if (peer === null) {
      stats.tally.connectErrors += 1;
      await sleep(Math.max(50, loop.shape.pauseMs));
      continue;
    }
    await holdOnce(loop, peer);
    if (loop.shape.pauseMs > 0) await sleep(remainingMs(plan.endMs, loop.shape.pauseMs));
  }
}

/** One connection from connect to end: the body's work, then its replies counted. */
async function holdOnce(loop: Loop, peer: WireClient): Promise<void> {
  const { stats } = loop;
  const openedMs = Date.now();
  stats.tally.connects += 1;
  stats.openMax = Math.max(stats.openMax, ++stats.openNow);
  await loop.body(peer, loop.plan.endMs).catch(() => {});
  stats.openNow -= 1;
  if (peer.isClosed) {
    stats.tally.closedByServer += 1;
    if (peer.lines[0] !== '91') stats.closedLifetimesMs.push(Date.now() - openedMs);
  }
  peer.close();
  for (const line of peer.lines) {
    const code = line.slice(0, 2);
    stats.tally.replies[code] = (stats.tally.replies[code] ?? 0) + 1;
  }
}
