// The nemesis's schedule, drawn from the seed alone: the same seed (and the same kinds on offer)
// gives the same faults at the same times. One fault at a time, each followed by a quiet spell
// at least as long as the time service has to resume; the kinds are dealt like a shuffled deck,
// so that a short run meets as many kinds as it has faults. Pure.
import { makeRng, randomInt } from '../test/helpers/random.js';

/** Every fault the nemesis knows (issue 18, "A nemesis suite"). */
export type FaultKind =
  | 'pg-crash' // pg_ctl stop -m immediate, restarted on the same data folder and port
  | 'pg-terminate' // pg_terminate_backend of every connection of the bank servers
  | 'proxy-stall' // the TCP proxy between servers and database holds every byte
  | 'proxy-drop' // the proxy discards every byte, then cuts those connections
  | 'proxy-reset' // the proxy resets every connection, and new ones while it lasts
  | 'server-stop' // SIGSTOP of a bank server, SIGCONT at the end
  | 'server-kill' // SIGKILL of a bank server, restarted under its name
  | 'disk-full' // the SQLite file's small file system filled up, then freed
  | 'failover'; // the primary stopped, a streaming standby promoted

/** One scheduled fault: when it starts, how long it lasts, which server it hits. */
export interface Fault {
  kind: FaultKind;
  atMs: number;
  durationMs: number;
  /** The index of the bank server a server fault hits. */
  server: number;
}

/** How long each kind lasts, from and to (ms): a server stop may outlast the lock TTL (5 s). */
const DURATION_MS: Record<FaultKind, [number, number]> = {
  'pg-crash': [1000, 3000],
  'pg-terminate': [0, 0],
  'proxy-stall': [1000, 4000],
  'proxy-drop': [1000, 4000],
  'proxy-reset': [0, 2000],
  'server-stop': [1000, 7000],
  'server-kill': [0, 1000],
  'disk-full': [2000, 6000],
  failover: [0, 0],
};

/**
 * Kinds that come at most once in a run: after a fail-over the promoted standby has no standby
 * of its own (none is rebuilt), so a second one would have nothing to fail over to.
 */
export const ONCE_PER_RUN: readonly FaultKind[] = ['failover'];

/** The first fault comes after this long: every ATM has logged in and is at work. */
const FIRST_FAULT_MS: [number, number] = [2000, 3000];
/** Quiet time after each fault beyond the resume limit. */
const QUIET_MS: [number, number] = [500, 2000];

/** What a schedule is drawn for. */
export interface ScheduleRequest {
  seed: number;
  kinds: readonly FaultKind[];
  seconds: number;
  servers: number;
  resumeMsMax: number;
}

/** The faults of one engine's run, in order, all healed a resume limit before the end. */
export function drawSchedule(request: ScheduleRequest): Fault[] {
  const rng = makeRng(request.seed);
  const endMs = request.seconds * 1000;
  const faults: Fault[] = [];
  if (request.kinds.length === 0) return faults;
  let atMs = randomInt(rng, ...FIRST_FAULT_MS);
  const deck: FaultKind[] = [];
  const spent = new Set<FaultKind>();
  const open = (kind: FaultKind): boolean => !spent.has(kind);
  for (;;) {
    if (!request.kinds.some(open)) return faults;
    if (deck.length === 0) deck.push(...shuffle(rng, request.kinds));
    const kind = deck.shift()!;
    if (!open(kind)) continue;
    if (ONCE_PER_RUN.includes(kind)) spent.add(kind);
    const durationMs = randomInt(rng, ...DURATION_MS[kind]);
    const server = randomInt(rng, 0, request.servers - 1);
    const quietMs = request.resumeMsMax + randomInt(rng, ...QUIET_MS);
    if (atMs + durationMs + quietMs > endMs) return faults;
    faults.push({ kind, atMs, durationMs, server });
    atMs += durationMs + quietMs;
  }
}

/** The kinds in a random order (Fisher-Yates): each comes once before any comes again. */
function shuffle(rng: () => number, kinds: readonly FaultKind[]): FaultKind[] {
  const out = [...kinds];
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = randomInt(rng, 0, i);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** The schedule as lines to print. */
export function describeSchedule(faults: readonly Fault[]): string[] {
  const seconds = (ms: number): string => (ms / 1000).toFixed(1);
  return faults.map(
    (fault) =>
      `  ${seconds(fault.atMs).padStart(6)} s  ` +
      `${fault.kind.padEnd(13)} ${seconds(fault.durationMs)} s  server ${fault.server + 1}`,
  );
}
