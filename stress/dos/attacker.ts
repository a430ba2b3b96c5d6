/**
 * The attacker process of `npm run stress -- --dos`: runs one attack until its end time, sends
 * its tally to the parent, and exits. A process of its own, so that its event loop does not
 * slow the honest customer's (they share the machine's cores, as real attackers would).
 *
 *   (forked by stress/dos/run.ts: says "ready", then gets the AttackerPlan as a message)
 */
import type { AttackerPlan } from './attacks/fleet.js';
import { garbageLines, loginFlood, oneByte } from './attacks/floods.js';
import { slotHold, tlsRaw } from './attacks/hold.js';
import { pinFlood } from './attacks/pin-flood.js';
import type { AttackerTally } from './report.js';

/** Every attack the attacker process can run, by name. */
const ATTACKERS: Record<string, (plan: AttackerPlan) => Promise<AttackerTally>> = {
  'pin-flood': pinFlood,
  'tls-raw': tlsRaw,
  'slot-hold': slotHold,
  'garbage-lines': garbageLines,
  'login-flood': loginFlood,
  'one-byte': oneByte,
};

/** Slack after the end time before the process gives up on itself. */
const EXIT_SLACK_MS = 15_000;

/** Says it is ready, waits for the plan (with its end time), runs it, sends the tally. */
async function main(): Promise<void> {
  const plan = await new Promise<AttackerPlan>((resolve) => {
    process.once('message', (message) => resolve(message as AttackerPlan));
    process.send!('ready');
  });
  const attack = ATTACKERS[plan.attack];
  if (!attack) throw new Error(`no attack named ${plan.attack}`);
  setTimeout(() => process.exit(3), Math.max(0, plan.endMs - Date.now()) + EXIT_SLACK_MS).unref();
  const tally = await attack(plan);
  await new Promise<void>((resolve) => process.send!(tally, () => resolve()));
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`attacker: ${error instanceof Error ? error.stack : String(error)}`);
    process.exit(1);
  },
);
