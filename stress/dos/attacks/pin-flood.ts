/**
 * Wrong-PIN flood: 50 groups × 4 connections send LOGINs with wrong PINs for account numbers
 * nobody holds (ac-50000…ac-99999: no real account gets blocked), one at a time per connection,
 * reconnecting when refused, so that the server hashes as many PINs as it lets them.
 */
import { makeRng, randomInt } from '../../../test/helpers/random.js';
import { ATTACK_GROUPS } from '../plan.js';
import type { AttackerTally } from '../report.js';
import { remainingMs, runFleet, type AttackerPlan } from './fleet.js';

const CONNECTIONS_PER_GROUP = 4;
/** Pause after a connection is refused (65) or closed, before the next one. */
const PAUSE_MS = 250;

/** Runs the flood until plan.endMs. */
export async function pinFlood(plan: AttackerPlan): Promise<AttackerTally> {
  const rng = makeRng(plan.seed);
  const shape = {
    groups: ATTACK_GROUPS,
    perGroup: CONNECTIONS_PER_GROUP,
    staggerMs: 0,
    pauseMs: PAUSE_MS,
  };
  const stats = await runFleet(plan, shape, async (peer, endMs) => {
    while (!peer.isClosed && Date.now() < endMs) {
      const account = `ac-${randomInt(rng, 50_000, 99_999)}`;
      const pin = String(randomInt(rng, 0, 9999)).padStart(4, '0');
      const reply = await peer.request(`LOGIN ${account} ${pin}`, remainingMs(endMs));
      if (reply.startsWith('65')) return;
    }
  });
  return stats.tally;
}
