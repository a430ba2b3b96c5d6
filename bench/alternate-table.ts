// bench/alternate.ts's output: per point (a session count, or the engine bench), a Markdown
// table of the pairs, before and after side by side with the load average, then the medians.

/** The two builds alternate.ts compares. */
export type Build = 'before' | 'after';
const BUILDS: Build[] = ['before', 'after'];

/** One run of one build: its figures per point, by column name in print order. */
export interface Run {
  build: Build;
  pair: number;
  /** The 1-minute load average read just before the run. */
  load: number;
  points: { point: string; figures: Record<string, number> }[];
  ok: boolean;
}

/** Every point's table of pairs and medians, in the order the points first appear. */
export function formatAlternation(runs: Run[]): string {
  const points = [...new Set(runs.flatMap((run) => run.points.map((p) => p.point)))];
  if (points.length === 0) return 'no figures: every run failed';
  return points.map((point) => formatPoint(runs, point)).join('\n\n');
}

/** A run's figures at one point, with the load average as the last column. */
function figuresAt(run: Run, point: string): Record<string, number> | undefined {
  const figures = run.points.find((p) => p.point === point)?.figures;
  return figures && { ...figures, load: run.load };
}

/** The table of one point: a row per pair, the medians, and after ÷ before of each median. */
function formatPoint(runs: Run[], point: string): string {
  const columns = [...new Set(runs.flatMap((run) => Object.keys(figuresAt(run, point) ?? {})))];
  const header = ['pair', 'first', ...BUILDS.flatMap((b) => columns.map((c) => `${b} ${c}`))];
  const pairs = [...new Set(runs.map((run) => run.pair))];
  const rows = pairs.map((pair) => {
    const ofPair = runs.filter((run) => run.pair === pair);
    const cells = BUILDS.flatMap((build) => {
      const run = ofPair.find((each) => each.build === build);
      const figures = run && figuresAt(run, point);
      return columns.map((c) => (figures ? formatNumber(figures[c]) : run?.ok ? '-' : 'FAIL'));
    });
    return [String(pair), ofPair[0]?.build ?? '-', ...cells];
  });
  const medians = BUILDS.map((build) => {
    const all = runs.filter((run) => run.build === build).map((run) => figuresAt(run, point));
    return columns.map((c) => median(all.map((figures) => figures?.[c])));
  });
  rows.push(['**median**', '', ...medians.flat().map((m) => `**${formatNumber(m)}**`)]);
  const ratios = columns
    .filter((c) => c !== 'load')
    .map((c, i) => `${c} ${(medians[1]![i]! / medians[0]![i]!).toFixed(2)}×`);
  const title = point === 'engine' ? 'engine' : `${point} sessions`;
  const table = markdownTable(header, rows);
  return `${title}:\n\n${table}\n\nafter ÷ before, medians: ${ratios.join(', ')}`;
}

/** The median of the values given (NaN for none). */
function median(values: (number | undefined)[]): number {
  const sorted = values.filter((v): v is number => v !== undefined).sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return NaN;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** 12,345 for thousands and up, 25.7 or 0.53 below, '-' for none. */
function formatNumber(value: number | undefined): string {
  if (value === undefined || Number.isNaN(value)) return '-';
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString('en-US');
  if (Number.isInteger(value)) return String(value);
  return value.toFixed(Math.abs(value) < 10 ? 2 : 1);
}

/** A Markdown table, columns padded; numbers (all but the first two columns) right-aligned. */
function markdownTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const pad = (cell: string, i: number): string =>
    i < 2 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!);
  const line = (cells: string[]): string => `| ${cells.map(pad).join(' | ')} |`;
  const dashes = (w: number, i: number): string =>
    i < 2 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`;
  const rule = `|${widths.map(dashes).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}
