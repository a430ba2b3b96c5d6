/** Columns of text aligned for a terminal: numbers to the right, the rest to the left. */
export function formatTable(
  headers: string[],
  rows: string[][],
  rightAligned = new Set<number>(),
): string {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  return [
    formatRow(headers, widths, rightAligned),
    formatRow(
      widths.map((width) => '-'.repeat(width)),
      widths,
      rightAligned,
    ),
    ...rows.map((row) => formatRow(row, widths, rightAligned)),
  ].join('\n');
}

/**
 * One table line with the given column widths. A cell wider than its column pushes the rest
 * right rather than being cut: `audit --follow` cannot know the widths of rows still to come.
 */
export function formatRow(cells: string[], widths: number[], rightAligned: Set<number>): string {
  return cells
    .map((cell, column) => {
      const width = widths[column] ?? 0;
      return rightAligned.has(column) ? cell.padStart(width) : cell.padEnd(width);
    })
    .join('  ')
    .trimEnd();
}
