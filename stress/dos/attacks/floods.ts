/**
 * Refusal floods from 50 groups × 2 connections, each reconnecting at once: pipelined garbage
 * lines, LOGINs past the rate limit (for the blocked decoy, so no PIN is hashed), and one byte
 * of garbage per connection. They cost the server audit rows and commits, not PIN hashes.
 */
import { ANON_REFUSALS_MAX } from '../../../test/helpers/hostile-mix.js';
import { PIPELINED_MAX } from '../../../test/helpers/wire.js';
import { ATTACK_GROUPS, wrongPin } from '../plan.js';
import type { AttackerTally } from '../report.js';
import { remainingMs, runFleet, type AttackerPlan, type Body } from './fleet.js';

const CONNECTIONS_PER_GROUP = 2;
/** How long a flooding connection waits for the server to answer or close. */
const WAIT_MS_MAX = 2_000;

async function flood(plan: AttackerPlan, body: Body): Promise<AttackerTally> {
  const shape = {
    groups: ATTACK_GROUPS,
    perGroup: CONNECTIONS_PER_GROUP,
    staggerMs: 0,
    pauseMs: 0,
  };
  return (await runFleet(plan, shape, body)).tally;
}

/** Well-formed lines that are no request (30), pipelined one more than the server allows. */
export function garbageLines(plan: AttackerPlan): Promise<AttackerTally> {
  const burst = 'HELLO\n'.repeat(ANON_REFUSALS_MAX + 1);
  return flood(plan, async (peer, endMs) => {
    await peer.write(burst);
    await peer.closesWithin(remainingMs(endMs, WAIT_MS_MAX));
  });
}

/** LOGINs for the blocked decoy, 32 pipelined at a time, for as long as the server answers. */
export function loginFlood(plan: AttackerPlan): Promise<AttackerTally> {
  const burst = `LOGIN ${plan.decoy.account} ${wrongPin(plan.decoy.pin)}\n`.repeat(PIPELINED_MAX);
  return flood(plan, async (peer, endMs) => {
    while (!peer.isClosed && Date.now() < endMs) {
      const before = peer.lines.length;
      await peer.write(burst);
      const got = await peer.linesWithin(before + PIPELINED_MAX, remainingMs(endMs, WAIT_MS_MAX));
      if (got.length < before + PIPELINED_MAX) return;
    }
  });
}

/** One byte that no line may hold (0x01): the server closes the connection at once. */
export function oneByte(plan: AttackerPlan): Promise<AttackerTally> {
  const byte = Buffer.from([0x01]);
  return flood(plan, async (peer, endMs) => {
    await peer.write(byte);
    await peer.closesWithin(remainingMs(endMs, WAIT_MS_MAX));
  });
}
