// README.md's examples, checked against the real thing, so that they cannot drift.
//
// THE MARKER. Every fenced block (```) in README.md must have, on the line just before its
// opening fence (indented like the fence), a comment naming how it is checked:
//
//   <!-- example: <check> -->                 checked by the check of that name, below
//   <!-- example: illustrative (why) -->      not checked; say why (it installs packages, it
//                                             deletes the bank, another test drives it, …)
//
// A block without a marker, or with an unknown check, fails this test: a new section adds its
// blocks with a marker. The checks (each takes the block's lines):
//
//   npm-scripts     each `npm …` command is npm's own (install, link) or a script of package.json
//   cli             each `bank …` line (or `$ bank …`) names a real command, and every --flag in
//                   it is one that command's --help lists
//   json-session    `$ printf '…' | bank atm --json`, run on a fresh demo bank: the output lines
//                   below it, exactly
//   metrics         every bank_ series shown exists in a real scrape after that session, and the
//                   bank_requests_total counts are the session's; (also: the metrics table names
//                   exactly the bank_ metrics of the prom-client registry)
//   log             the start line has the real start line's fields, in order (the server runs
//                   without --metrics in the example); each request line has the fields of a real
//                   request line of its op; the listening and stop lines are the real ones
//   admin-output    each `$ bank admin …` command is run on that bank after a clean stop: audit
//                   tables have the real header, and connection numbers like 1000001; other
//                   output has the real output's words, line for line (numbers, paths and hashes
//                   aside)
//   admin-sequence  every `bank admin …` line runs, in order, and succeeds, in a folder holding
//                   the bank `npm start` leaves (demo accounts) and seed/: `[…]` options are
//                   given, `--pin -` reads 4321, a postgres:// URL becomes a SQLite file there,
//                   and `--follow` and `dashboard` (which run until Ctrl-C) are left out
//   layout          each file name (`*.ts`) in the tree is a file under src/
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics } from '../src/server/observe/metrics.js';
import { BANK, runBank, startServer, type TestServer } from './helpers/server.js';
import { WireClient } from './helpers/wire.js';

const ROOT = new URL('..', import.meta.url);
const README = readFileSync(new URL('README.md', ROOT), 'utf8');

/** One fenced block: its marker's check, its lines, and the line number of its fence. */
interface Block {
  check: string;
  lines: string[];
  line: number;
}

/** Every fenced block of the README, with the check its marker names ('' when it has none). */
function readmeBlocks(text: string): Block[] {
  const lines = text.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = /^(\s*)```/.exec(lines[i]!);
    if (!fence) continue;
    const marker = /^\s*<!-- example: ([a-z-]+)/.exec(lines[i - 1] ?? '');
    const end = lines.findIndex((line, j) => j > i && line.trim() === '```');
    const indent = fence[1]!.length;
    blocks.push({
      check: marker?.[1] ?? '',
      line: i + 1,
      lines: lines.slice(i + 1, end).map((line) => line.slice(indent)),
    });
    i = end;
  }
  return blocks;
}

const BLOCKS = readmeBlocks(README);

/** The blocks a check takes. */
function blocksOf(check: string): Block[] {
  return BLOCKS.filter((block) => block.check === check);
}

/** Words of a line without numbers, paths, hashes or amounts: what must not drift. */
function words(line: string): string[] {
  return line
    .trim()
    .split(/\s+/)
    .filter((word) => !/[0-9/.…*$]/.test(word));
}

/** A command line's words, without its comment; `[--opt x]` gives its options. */
function commandWords(line: string): string[] {
  const command = line.replace(/^\s*\$\s*/, '').replace(/\s+#.*$/, '');
  return command.replace(/[[\]]/g, ' ').trim().split(/\s+/);
}

/** The `bank …` command lines of a block (`bank …` or `$ bank …`). */
function bankLines(block: Block): string[] {
  return block.lines.filter((line) => /^\s*(\$\s+)?bank\s/.test(line));
}

const CHECKS = [
  'npm-scripts',
  'cli',
  'json-session',
  'metrics',
  'log',
  'admin-output',
  'admin-sequence',
  'layout',
  'illustrative',
];

describe('README.md examples: each block is checked or marked illustrative', () => {
  it('finds the blocks, each with a known marker', () => {
    expect(BLOCKS.length).toBeGreaterThan(10);
    const unmarked = BLOCKS.filter((block) => !CHECKS.includes(block.check)).map(
      (block) => `README.md:${block.line} (${block.check || 'no marker'})`,
    );
    expect(unmarked, 'blocks without a known <!-- example: … --> marker').toEqual([]);
  });

  it('npm-scripts: names npm commands and package.json scripts that exist', () => {
    const pkg = JSON.parse(readFileSync(new URL('package.json', ROOT), 'utf8')) as {
      scripts: Record<string, string>;
    };
    for (const block of blocksOf('npm-scripts')) {
      const commands = block.lines
        .flatMap((line) => line.replace(/\s+#.*$/, '').split('&&'))
        .map((command) => command.trim().split(/\s+/))
        .filter(([tool]) => tool === 'npm');
      expect(commands.length, `README.md:${block.line}`).toBeGreaterThan(0);
      for (const [, verb, script] of commands) {
        const name = verb === 'run' ? script! : verb!;
        if (['install', 'link', 'ci'].includes(name)) continue;
        expect(pkg.scripts, `README.md:${block.line}: npm ${verb}`).toHaveProperty(name);
      }
    }
    expect(pkg.scripts.start).toContain('bank server --db bank.sqlite --demo');
  });

  it('cli: every bank command exists and takes the flags it is shown with', () => {
    const helps = new Map<string, string>();
    for (const block of [...blocksOf('cli'), ...blocksOf('admin-sequence')]) {
      for (const line of bankLines(block)) {
        const tokens = commandWords(line);
        const path = tokens[1] === 'admin' ? tokens.slice(1, 3) : tokens.slice(1, 2);
        const key = path.join(' ');
        if (!helps.has(key)) helps.set(key, runBank([...path, '--help']).stdout);
        const help = helps.get(key)!;
        expect(help, `README.md:${block.line}: bank ${key}`).toContain('Usage: bank');
        for (const flag of tokens.filter((token) => token.startsWith('--'))) {
          expect(help, `README.md:${block.line}: ${line.trim()}`).toMatch(
            new RegExp(`${flag.split('=')[0]}[ ,\\n<]`),
          );
        }
      }
    }
    expect(helps.size).toBeGreaterThan(5);
  });

  it('layout: every file the tree names is under src/', () => {
    const files = new Set(
      readdirSync(new URL('src', ROOT), { recursive: true }).map((path) =>
        String(path).split('/').at(-1),
      ),
    );
    for (const block of blocksOf('layout')) {
      const named = block.lines.join(' ').match(/[\w-]+\.ts\b/g) ?? [];
      expect(named.length).toBeGreaterThan(10);
      expect(
        named.filter((name) => !files.has(name)),
        `README.md:${block.line}`,
      ).toEqual([]);
    }
  });

  it('metrics: the table names exactly the bank_ metrics the registry has', async () => {
    const metrics = createMetrics();
    metrics.watch({ connections: () => 0, sessions: () => 0 });
    const registered = (await metrics.registry.getMetricsAsJSON())
      .map((metric) => metric.name)
      .filter((name) => name.startsWith('bank_'))
      .sort();
    const tableRows = README.split('\n').filter((line) => line.startsWith('| `bank_'));
    const inTable = tableRows.flatMap((row) => row.split('|')[1]!.match(/bank_\w+/g) ?? []).sort();
    expect(inTable).toEqual(registered);
  });
});

describe('README.md examples run against a real demo bank', () => {
  let server: TestServer;
  let metricsUrl: string;
  beforeAll(async () => {
    server = await startServer({ accounts: null, args: ['--demo', '--metrics', '127.0.0.1:0'] });
    metricsUrl = /metrics on (\S+)/.exec(server.output())![1]!;
  }, 60_000);
  afterAll(async () => {
    if (server.proc.exitCode === null) await server.stop();
  });

  it('json-session: the scripted --json session prints what README shows', () => {
    const [block] = blocksOf('json-session');
    const command = block!.lines[0]!;
    const input = /printf '([^']*)'/.exec(command)![1]!.replace(/\\n/g, '\n');
    expect(command).toMatch(/\| bank atm --json$/);
    const run = spawnSync(
      process.execPath,
      [BANK, 'atm', '--port', String(server.port), '--json'],
      { input, encoding: 'utf8', timeout: 30_000 },
    );
    expect(run.stdout.trimEnd().split('\n')).toEqual(block!.lines.slice(1));
  });

  it('metrics: the scrape after that session has every series shown, and its counts', async () => {
    const scrape = await (await fetch(metricsUrl)).text();
    const series = new Map(
      scrape
        .split('\n')
        .filter((line) => line.startsWith('bank_'))
        .map((line) => [
          line.slice(0, line.lastIndexOf(' ')),
          line.slice(line.lastIndexOf(' ') + 1),
        ]),
    );
    for (const block of blocksOf('metrics')) {
      const shown = block.lines.filter((line) => line.startsWith('bank_'));
      expect(shown.length).toBeGreaterThan(5);
      for (const line of shown) {
        const name = line.slice(0, line.lastIndexOf(' '));
        expect(series.has(name), `README.md:${block.line}: ${name}`).toBe(true);
        if (name.startsWith('bank_requests_total')) {
          expect(series.get(name), name).toBe(line.slice(line.lastIndexOf(' ') + 1));
        }
      }
    }
  });

  it('log: the start, request, listening and stop lines have the real fields', async () => {
    // Refusals before login, for the audit's refusals row (admin-output, below).
    const stranger = await WireClient.connect(server.port);
    for (let i = 0; i < 3; i++) expect(await stranger.request('HELLO')).toBe('30');
    stranger.close();
    expect(await server.stop()).toBe(0);
    const real = server.output().split('\n');
    const fields = (line: string): string[] => [...line.matchAll(/ (\w+)=/g)].map((m) => m[1]!);
    for (const block of blocksOf('log')) {
      const start = block.lines.find((line) => line.includes('bank server started'))!;
      const realStart = real.find((line) => line.includes('bank server started'))!;
      expect(fields(start)).toEqual(fields(realStart).filter((field) => field !== 'metrics'));
      for (const line of block.lines.filter((text) => text.includes(' request '))) {
        const op = / op=(\w+)/.exec(line)![1]!;
        const realLine = real.find(
          (text) =>
            text.includes(' request ') &&
            text.includes(` op=${op} `) &&
            text.includes(` code=${/ code=(\d+)/.exec(line)![1]} `),
        );
        expect(realLine, `a real ${op} line`).toBeDefined();
        expect(fields(line), line).toEqual(fields(realLine!));
      }
      for (const text of ['listening on', 'SIGTERM:', 'server stopped:']) {
        const shown = block.lines.find((line) => line.includes(text))!;
        const realLine = real.find((line) => line.includes(text))!;
        const message = (line: string): string[] => words(line.replace(/^\d{4}-\S+ \S+\s+/, ''));
        expect(message(shown), text).toEqual(message(realLine));
      }
    }
  });

  it('admin-output: each admin command shown prints what README shows, in form', () => {
    let copies = 0;
    for (const block of blocksOf('admin-output')) {
      const starts = block.lines.flatMap((line, i) => (line.startsWith('$ bank admin') ? [i] : []));
      starts.forEach((start, n) => {
        const shown = block.lines.slice(start + 1, starts[n + 1] ?? block.lines.length);
        const args = commandWords(block.lines[start]!)
          .slice(1)
          .map((word) => (word.startsWith('postgres://') ? `copy-${copies++}.sqlite` : word));
        const run = spawnSync(process.execPath, [BANK, ...args], {
          cwd: server.dir,
          encoding: 'utf8',
          timeout: 30_000,
        });
        expect(run.status, `${args.join(' ')}: ${run.stderr}`).toBe(0);
        checkAdminOutput(args, shown, run.stdout.trimEnd().split('\n'));
      });
    }
  });
});

/** An admin command's output as README shows it against the real one (see the header). */
function checkAdminOutput(args: string[], shown: string[], real: string[]): void {
  if (args[1] === 'audit') {
    expect(words(shown[0]!), 'the audit header').toEqual(words(real[0]!));
    const conn = [...shown[1]!.matchAll(/-+/g)][2]!; // the third column's dashes: conn
    for (const row of shown.slice(2)) {
      const cell = row.slice(conn.index, conn.index + conn[0].length).trim();
      if (cell !== '') expect(cell, row).toMatch(/^[1-9]\d{6,}$/);
    }
    return;
  }
  expect(shown.map(words), args.join(' ')).toEqual(real.map(words));
}

describe('README.md admin sequence', () => {
  it('admin-sequence: every command runs, in order, on the bank npm start made', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bank-readme-'));
    cpSync(new URL('seed', ROOT), join(dir, 'seed'), { recursive: true });
    expect(runBank(['admin', 'seed', '--db', 'bank.sqlite'], '', dir).code).toBe(0);
    let ran = 0;
    for (const block of blocksOf('admin-sequence')) {
      for (const line of bankLines(block)) {
        const args = commandWords(line)
          .slice(1)
          .map((word) => (word.startsWith('postgres://') ? 'copy.sqlite' : word));
        if (args.includes('--follow') || args[1] === 'dashboard') continue;
        const result = runBank(args, args.includes('-') ? '4321\n' : '', dir);
        expect(result.code, `${line.trim()}\n${result.stderr}`).toBe(0);
        ran += 1;
      }
    }
    expect(ran).toBeGreaterThan(10);
  }, 300_000);
});
