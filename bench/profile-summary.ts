/**
 * `tsx bench/profile-summary.ts <file.cpuprofile> [rows]`: where a `node --cpu-prof` profile
 * spent its time, as self time per function and total (inclusive) time per function.
 * Made for `npm run bench -- --profile <dir>`, which profiles the server process.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Samples per node id: each sample is one tick of the profiler spent in that node. */
function countSamples(profile: Profile): Map<number, number> {
  const counts = new Map<number, number>();
  for (const id of profile.samples) counts.set(id, (counts.get(id) ?? 0) + 1);
  return counts;
}

function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url.replace(/^.*\/(dist|src|node_modules)\//, '$1/');
  return `${functionName || '(anonymous)'} ${file}${file ? `:${lineNumber + 1}` : ''}`;
}

/** Self and inclusive sample counts per function name (a recursion counts once per stack). */
function aggregate(profile: Profile): { self: Map<string, number>; total: Map<string, number> } {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const counts = countSamples(profile);
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const walk = (id: number, onStack: Set<string>): number => {
    const node = byId.get(id)!;
    const name = frameName(node);
    const own = counts.get(id) ?? 0;
    self.set(name, (self.get(name) ?? 0) + own);
    const inner = new Set(onStack).add(name);
    const sum = own + (node.children ?? []).reduce((acc, child) => acc + walk(child, inner), 0);
    if (!onStack.has(name)) total.set(name, (total.get(name) ?? 0) + sum);
    return sum;
  };
  walk(profile.nodes[0]!.id, new Set());
  return { self, total };
}

function top(map: Map<string, number>, all: number, rows: number): string {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, rows)
    .map(([name, n]) => `${((100 * n) / all).toFixed(1).padStart(5)}%  ${name}`)
    .join('\n');
}

/**
 * The server's time in a few buckets, by the frames that start each kind of work: a bucket that
 * counts `inclusive` time takes the frame and everything under it (not counted again below),
 * one that counts `self` only the frame's own samples. What BENCHMARKS.md's split tables show.
 */
interface Bucket {
  label: string;
  matches: (name: string) => boolean;
  counts: 'self' | 'inclusive';
}

const BUCKETS: Bucket[] = [
  {
    label: 'idle (waiting for requests)',
    matches: (name) => name.startsWith('(idle)'),
    counts: 'self',
  },
  {
    label: 'BEGIN/COMMIT: WAL writes, fsync, checkpoints',
    matches: (name) => name.startsWith('sqliteTransaction '),
    counts: 'self',
  },
  {
    label: "requests' SQL and rules (the batch's statements)",
    matches: (name) => name.startsWith('runAll '),
    counts: 'inclusive',
  },
  {
    label: 'replies: socket writes',
    matches: (name) => name.startsWith('send dist/server/'),
    counts: 'inclusive',
  },
  {
    label: 'requests: socket reads, framing, dispatch',
    matches: (name) => name.startsWith('onStreamRead '),
    counts: 'inclusive',
  },
  {
    label: 'garbage collection',
    matches: (name) => name.startsWith('(garbage collector)'),
    counts: 'self',
  },
];

function split(profile: Profile): string {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const counts = countSamples(profile);
  const inclusive = (id: number): number =>
    (counts.get(id) ?? 0) +
    (byId.get(id)!.children ?? []).reduce((sum, child) => sum + inclusive(child), 0);
  const sums = new Map<Bucket, number>(BUCKETS.map((bucket) => [bucket, 0]));
  const walk = (id: number): void => {
    const node = byId.get(id)!;
    const bucket = BUCKETS.find(({ matches }) => matches(frameName(node)));
    if (bucket?.counts === 'inclusive') {
      sums.set(bucket, sums.get(bucket)! + inclusive(id));
      return;
    }
    if (bucket) sums.set(bucket, sums.get(bucket)! + (counts.get(id) ?? 0));
    for (const child of node.children ?? []) walk(child);
  };
  walk(profile.nodes[0]!.id);
  const all = profile.samples.length;
  const rest = all - [...sums.values()].reduce((sum, n) => sum + n, 0);
  const rows: [string, number][] = [
    ...BUCKETS.map((b): [string, number] => [b.label, sums.get(b)!]),
    ['the rest', rest],
  ];
  return rows
    .map(([label, n]) => `${((100 * n) / all).toFixed(1).padStart(5)}%  ${label}`)
    .join('\n');
}

function main(): void {
  const [file, rowsText] = process.argv.slice(2);
  if (!file) throw new Error('usage: tsx bench/profile-summary.ts <file.cpuprofile> [rows]');
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const rows = Number(rowsText ?? 30);
  const { self, total } = aggregate(profile);
  const all = profile.samples.length;
  console.log(`${all} samples\n\nself time:\n${top(self, all, rows)}`);
  console.log(`\ntotal time:\n${top(total, all, rows)}`);
  console.log(`\nsplit:\n${split(profile)}`);
}

main();
