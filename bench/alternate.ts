/**
 * `npm run bench:alternate -- --before DIR [--after DIR] [--pairs N] [--engine] -- <bench args>`:
 * two builds measured alternately on the same machine, each pair starting with the other build
 * (pair 1 before then after, pair 2 after then before...), so that a drift in the machine's other
 * load falls on both. Each run is this checkout's bench/bench.ts with `--json --bank
 * <DIR>/bin/bank` (or, with --engine, bench/engine.ts with `--dist <DIR>/dist`) and the bench
 * args, in a process of its own. Prints a Markdown table of the pairs, with the 1-minute load
 * average read before each run, and the medians. Builds nothing: build both checkouts first.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { formatAlternation, type Build, type Run } from './alternate-table.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));

interface AlternateOptions {
  checkouts: Record<Build, string>;
  pairs: number;
  engine: boolean;
  /** Passed on to bench.ts or engine.ts, after the build's own --bank or --dist. */
  benchArgs: string[];
}

function parseOptions(argv: string[]): AlternateOptions {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      before: { type: 'string' },
      after: { type: 'string', default: resolve(HERE, '..') },
      pairs: { type: 'string', default: '3' },
      engine: { type: 'boolean', default: false },
    },
  });
  if (values.before === undefined) throw new Error('--before <checkout> is required');
  const pairs = Number(values.pairs);
  if (!Number.isInteger(pairs) || pairs < 1) throw new Error('--pairs takes a positive number');
  const own = values.engine ? '--dist' : '--bank';
  if (positionals.includes(own)) throw new Error(`${own} is set from --before and --after`);
  const checkouts = { before: resolve(values.before), after: resolve(values.after) };
  for (const dir of Object.values(checkouts)) {
    if (!existsSync(join(dir, 'dist'))) throw new Error(`${dir}/dist is missing: build it first`);
  }
  return { checkouts, pairs, engine: values.engine, benchArgs: positionals };
}

/** One run of one build: the bench (or engine bench) in a process of its own. */
function runBuild(options: AlternateOptions, build: Build, pair: number): Run {
  const dir = options.checkouts[build];
  const script = options.engine ? 'engine.ts' : 'bench.ts';
  const own = options.engine
    ? ['--dist', join(dir, 'dist')]
    : ['--json', '--bank', join(dir, 'bin/bank')];
  const load = os.loadavg()[0]!;
  const child = spawnSync(
    process.execPath,
    ['--import', import.meta.resolve('tsx'), join(HERE, script), ...own, ...options.benchArgs],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * 2 ** 20 },
  );
  const points = options.engine ? engineFigures(child.stdout) : benchFigures(child.stdout);
  return { build, pair, load, points, ok: child.status === 0 && points.length > 0 };
}

/** The --json lines of bench.ts: tx/s, p99, server µs/tx (and the echo's tx/s and bank/echo). */
function benchFigures(stdout: string): Run['points'] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line))
    .map((json) => ({
      point: `${json.sessions}`,
      figures: {
        'tx/s': json.tps,
        'p99 ms': json.p99_ms,
        'server µs/tx': json.server_us_per_tx,
        ...(json.echo_tps === undefined
          ? {}
          : { 'echo tx/s': json.echo_tps, 'bank/echo': json.tps / json.echo_tps }),
      },
    }));
}

/** engine.ts's one line: requests/s, CPU and wall time per request. */
function engineFigures(stdout: string): Run['points'] {
  const match = /([\d.]+) µs CPU\/request.*?([\d.]+) µs wall\/request, (\d+) requests\/s/.exec(
    stdout,
  );
  if (!match) return [];
  const [, cpu, wall, rate] = match.map(Number);
  const figures = { 'requests/s': rate!, 'µs CPU/req': cpu!, 'µs wall/req': wall! };
  return [{ point: 'engine', figures }];
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const runs: Run[] = [];
  for (let pair = 1; pair <= options.pairs; pair++) {
    const order: Build[] = pair % 2 === 1 ? ['before', 'after'] : ['after', 'before'];
    for (const build of order) {
      const run = runBuild(options, build, pair);
      runs.push(run);
      const said = run.points.map((p) => `${p.point}: ${JSON.stringify(p.figures)}`).join('; ');
      console.error(`pair ${pair} ${build} (load ${run.load.toFixed(2)}): ${said || 'no figures'}`);
      if (!run.ok) console.error(`pair ${pair} ${build}: FAILED (see its output above)`);
    }
  }
  console.log(`before: ${options.checkouts.before}\nafter: ${options.checkouts.after}`);
  console.log(`args: ${options.benchArgs.join(' ') || '(defaults)'}\n`);
  console.log(formatAlternation(runs));
  const failed = runs.filter((run) => !run.ok).map((run) => `pair ${run.pair} ${run.build}`);
  if (failed.length > 0) {
    console.log(`\nFAILED (exit code, conservation or verify): ${failed.join(', ')}`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(`alternate: ${(error as Error).stack ?? String(error)}`);
  process.exitCode = 1;
});
