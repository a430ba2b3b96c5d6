import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { sweepSvg, type Series } from './chart.js';
import { formatTable, type RunResult } from './stats.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const RESULTS_DIR = `${ROOT}bench/results`;
const SVG_FILE = `${ROOT}bench/sweep.svg`;
const MARKDOWN_FILE = `${ROOT}BENCHMARKS.md`;

const SKELETON = `# Benchmarks

\`npm run bench -- --sweep --label <name>\` fills in the sections between the markers below.

<!-- bench:machine:start -->
<!-- bench:machine:end -->

![throughput and p99 latency against sessions](bench/sweep.svg)
`;

/**
 * Keeps a sweep: its results in bench/results/<label>.json, the chart of every kept sweep in
 * bench/sweep.svg, and its table (with the machine description) in BENCHMARKS.md.
 */
export function recordSweep(label: string, results: RunResult[], how: { seconds: number }): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const at = new Date().toISOString();
  const kept = JSON.stringify({ label, at, results }, null, 1);
  writeFileSync(`${RESULTS_DIR}/${label}.json`, `${kept}\n`);
  writeFileSync(SVG_FILE, sweepSvg(loadAllSeries()));
  let markdown = existsSync(MARKDOWN_FILE) ? readFileSync(MARKDOWN_FILE, 'utf8') : SKELETON;
  markdown = replaceBlock(markdown, 'machine', describeMachine());
  const heading =
    `Sweep \`${label}\`, ${at.slice(0, 16).replace('T', ' ')} UTC, ` +
    `${how.seconds} s per run, load average before: ${os.loadavg()[0]!.toFixed(2)}`;
  markdown = replaceBlock(markdown, `sweep:${label}`, `${heading}\n\n${formatTable(results)}`);
  writeFileSync(MARKDOWN_FILE, markdown);
  return `recorded sweep "${label}" in BENCHMARKS.md, bench/sweep.svg, bench/results/${label}.json`;
}

/** Replaces the text between a block's markers, or appends the block at the end. */
function replaceBlock(markdown: string, name: string, body: string): string {
  const start = `<!-- bench:${name}:start -->`;
  const end = `<!-- bench:${name}:end -->`;
  const block = `${start}\n${body}\n${end}`;
  const from = markdown.indexOf(start);
  const to = markdown.indexOf(end);
  if (from === -1 || to === -1) return `${markdown.trimEnd()}\n\n${block}\n`;
  return markdown.slice(0, from) + block + markdown.slice(to + end.length);
}

/** nproc, memory, CPU model, node version: what the figures depend on. */
export function describeMachine(): string {
  const cpuinfo = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
  const model = /model name\s*:\s*(.+)/.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model ?? '?';
  const memoryGiB = (os.totalmem() / 2 ** 30).toFixed(1);
  return [
    `- nproc: ${os.availableParallelism()} (CPU model: ${model})`,
    `- memory: ${memoryGiB} GiB`,
    `- node ${process.version}, ${os.type()} ${os.release()}`,
    `- the load generator runs on the same ${os.availableParallelism()} cores as the server, and ` +
      "other people's tests and servers",
    '  were running on this machine at the same time: figures are noisy.',
  ].join('\n');
}

/** Every kept sweep, averaged per session count over its repeated runs. */
function loadAllSeries(): Series[] {
  const files = readdirSync(RESULTS_DIR)
    .filter((file) => file.endsWith('.json'))
    .sort();
  return files.map((file) => {
    const { label, results } = JSON.parse(readFileSync(`${RESULTS_DIR}/${file}`, 'utf8')) as {
      label: string;
      results: RunResult[];
    };
    const counts = [...new Set(results.map((r) => r.sessions))].sort((a, b) => a - b);
    const points = counts.map((sessions) => {
      const runs = results.filter((r) => r.sessions === sessions);
      const mean = (pick: (r: RunResult) => number): number =>
        runs.reduce((sum, r) => sum + pick(r), 0) / runs.length;
      return { sessions, tps: mean((r) => r.tps), p99Ms: mean((r) => r.p99_ms) };
    });
    return { label, points };
  });
}
