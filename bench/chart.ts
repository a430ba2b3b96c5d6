/** One sweep on the chart: a point per session count. */
export interface Series {
  label: string;
  points: { sessions: number; tps: number; p99Ms: number }[];
}

const PANEL = { width: 340, height: 220, left: 60, top: 40, gap: 40 } as const;
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];
const SESSION_TICKS = [1, 10, 100, 1000];

interface Axis {
  /** Maps a value to a pixel offset within the panel. */
  place: (value: number) => number;
  ticks: number[];
}

/**
 * Two panels side by side: throughput (linear) and p99 latency (log) against sessions (log),
 * one line per sweep. Plain SVG written by hand, no dependencies.
 */
export function sweepSvg(series: Series[]): string {
  const all = series.flatMap((s) => s.points);
  const tpsMax = niceCeiling(Math.max(1, ...all.map((p) => p.tps)));
  const tpsAxis = linearAxis(tpsMax, PANEL.height);
  const p99Axis = logAxis(
    Math.min(...all.map((p) => p.p99Ms), 1),
    Math.max(...all.map((p) => p.p99Ms), 10),
    PANEL.height,
  );
  const x = logAxis(1, 1000, PANEL.width);
  x.ticks = SESSION_TICKS;
  const second = PANEL.left * 2 + PANEL.width + PANEL.gap;
  const width = second + PANEL.width + 20;
  const height = PANEL.top + PANEL.height + 70;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
      `font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    panel(
      PANEL.left,
      'durable transactions/s',
      x,
      tpsAxis,
      series.map((s) => s.points.map((p) => [p.sessions, p.tps] as const)),
    ),
    panel(
      second,
      'p99 latency, ms (log scale)',
      x,
      p99Axis,
      series.map((s) => s.points.map((p) => [p.sessions, p.p99Ms] as const)),
    ),
    legend(
      series.map((s) => s.label),
      height - 18,
    ),
    '</svg>\n',
  ].join('\n');
}

/** One panel: frame, grid, tick labels, title, and a polyline with dots per series. */
function panel(
  left: number,
  title: string,
  x: Axis,
  y: Axis,
  lines: (readonly [number, number])[][],
): string {
  const top = PANEL.top;
  const bottom = top + PANEL.height;
  const px = (v: number): number => left + x.place(v);
  const py = (v: number): number => bottom - y.place(v);
  const parts = [
    `<text x="${left}" y="${top - 12}" font-weight="bold">${title}</text>`,
    `<rect x="${left}" y="${top}" width="${PANEL.width}" height="${PANEL.height}" ` +
      'fill="none" stroke="#999"/>',
  ];
  for (const t of y.ticks) {
    parts.push(
      `<line x1="${left}" x2="${left + PANEL.width}" y1="${py(t)}" y2="${py(t)}" ` +
        'stroke="#eee"/>',
      `<text x="${left - 4}" y="${py(t) + 4}" text-anchor="end">` + `${formatTick(t)}</text>`,
    );
  }
  for (const t of x.ticks) {
    parts.push(`<text x="${px(t)}" y="${bottom + 14}" text-anchor="middle">${t}</text>`);
  }
  parts.push(
    `<text x="${left + PANEL.width / 2}" y="${bottom + 30}" text-anchor="middle">` +
      'concurrent sessions</text>',
  );
  lines.forEach((points, i) =>
    parts.push(
      polyline(
        points.map(([a, b]) => [px(a), py(b)]),
        i,
      ),
    ),
  );
  return parts.join('\n');
}

function polyline(points: [number, number][], index: number): string {
  const color = COLORS[index % COLORS.length]!;
  const path = points.map(([a, b]) => `${a.toFixed(1)},${b.toFixed(1)}`).join(' ');
  const dots = points.map(
    ([a, b]) => `<circle cx="${a.toFixed(1)}" cy="${b.toFixed(1)}" r="3" fill="${color}"/>`,
  );
  return [
    `<polyline points="${path}" fill="none" stroke="${color}" stroke-width="2"/>`,
    ...dots,
  ].join('\n');
}

function legend(labels: string[], y: number): string {
  return labels
    .map((label, i) => {
      const x = PANEL.left + i * 130;
      const color = COLORS[i % COLORS.length]!;
      return (
        `<rect x="${x}" y="${y - 9}" width="14" height="4" fill="${color}"/>` +
        `<text x="${x + 20}" y="${y - 4}">${label}</text>`
      );
    })
    .join('\n');
}

function linearAxis(max: number, pixels: number): Axis {
  const step = max / 5;
  return {
    place: (value) => (value / max) * pixels,
    ticks: Array.from({ length: 6 }, (_, i) => i * step),
  };
}

function logAxis(min: number, max: number, pixels: number): Axis {
  const low = Math.floor(Math.log10(Math.max(min, 1e-3)));
  const high = Math.max(low + 1, Math.ceil(Math.log10(max)));
  return {
    place: (value) => ((Math.log10(Math.max(value, 10 ** low)) - low) / (high - low)) * pixels,
    ticks: Array.from({ length: high - low + 1 }, (_, i) => 10 ** (low + i)),
  };
}

/** The next round number at or above value: 1, 2 or 5 times a power of ten. */
function niceCeiling(value: number): number {
  const power = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 5, 10].map((m) => m * power).find((candidate) => candidate >= value)!;
}

function formatTick(value: number): string {
  if (value >= 1000) return `${value / 1000}k`;
  return value >= 1 || value === 0 ? String(Math.round(value * 10) / 10) : String(value);
}
