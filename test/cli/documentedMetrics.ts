/** Where the metrics table is: the operations guide. */
export const METRICS_DOC = new URL('../../docs/operations.md', import.meta.url);

/**
 * The metric names in the metrics table of a Markdown page (the one headed `| metric | type | labels | what |`,
 * however Prettier pads it), and those its last column marks "Linux only" (prom-client reads them from /proc).
 */
export function documentedMetrics(markdown: string): { names: string[]; linuxOnly: Set<string> } {
  const lines = markdown.split('\n');
  const header = lines.findIndex((line) => /^\|\s*metric\s*\|\s*type\s*\|\s*labels\s*\|\s*what\s*\|$/.test(line));
  if (header < 0) throw new Error('no metrics table');
  const names: string[] = [];
  const linuxOnly = new Set<string>();
  for (const row of lines.slice(header + 2)) {
    if (!row.startsWith('|')) break;
    const cells = row.split('|').map((c) => c.trim());
    const inRow = [...cells[1].matchAll(/`([a-z0-9_]+)`/g)].map((m) => m[1]);
    names.push(...inRow);
    if (cells.at(-2) === 'Linux only') for (const n of inRow) linuxOnly.add(n);
  }
  return { names, linuxOnly };
}
