/**
 * Attacks that hold connections: raw TCP sockets that never start the TLS handshake, and
 * connections that keep their slot by sending a refused LOGIN every few seconds.
 */
import { ATTACK_GROUPS, wrongPin } from '../plan.js';
import type { AttackerTally } from '../report.js';
import { remainingMs, runFleet, type AttackerPlan, type FleetStats } from './fleet.js';

/** 50 groups × 40 = 2,000 connections: the server's default connection slots, all of them. */
const HELD_PER_GROUP = 40;
/** Opening spread over about a second (40 × 25 ms) instead of 2,000 SYNs at once. */
const STAGGER_MS = 25;
/** A held connection sends a LOGIN this often (PROTOCOL.md §5.6 idle limit is 30 s). */
const LOGIN_EVERY_MS = 4_000;

/** 2,000 raw TCP sockets to a TLS server that never send a byte; reopened if closed. */
export async function tlsRaw(plan: AttackerPlan): Promise<AttackerTally> {
  const shape = {
    groups: ATTACK_GROUPS,
    perGroup: HELD_PER_GROUP,
    staggerMs: STAGGER_MS,
    pauseMs: 200,
  };
  const stats = await runFleet(plan, shape, async (peer, endMs) => {
    await peer.closesWithin(remainingMs(endMs));
  });
  return withLifetimes(stats);
}

/**
 * 2,000 connections, each sending a LOGIN for the (blocked) decoy account every 4 s, so that
 * none is ever idle; reconnecting a second after the server closes one.
 */
export async function slotHold(plan: AttackerPlan): Promise<AttackerTally> {
  const shape = {
    groups: ATTACK_GROUPS,
    perGroup: HELD_PER_GROUP,
    staggerMs: STAGGER_MS,
    pauseMs: 1_000,
  };
  const line = `LOGIN ${plan.decoy.account} ${wrongPin(plan.decoy.pin)}\n`;
  const stats = await runFleet(plan, shape, async (peer, endMs) => {
    while (!peer.isClosed && Date.now() < endMs) {
      await peer.write(line);
      await peer.closesWithin(remainingMs(endMs, LOGIN_EVERY_MS));
    }
  });
  return withLifetimes(stats);
}

/** Adds how many accepted connections the server closed, and after how long (first, median). */
function withLifetimes(stats: FleetStats): AttackerTally {
  const lifetimes = [...stats.closedLifetimesMs].sort((a, b) => a - b);
  const seconds = (ms: number | undefined): number | null =>
    ms === undefined ? null : Math.round(ms / 100) / 10;
  stats.tally.extra.held_closed = lifetimes.length;
  stats.tally.extra.held_closed_first_s = seconds(lifetimes[0]);
  stats.tally.extra.held_closed_median_s = seconds(lifetimes[Math.floor(lifetimes.length / 2)]);
  return stats.tally;
}
