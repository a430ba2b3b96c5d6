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
  return [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, rows)
    .map(([name, n]) => `${((100 * n) / all).toFixed(1).padStart(5)}%  ${name}`).join('\n');
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
}

main();
