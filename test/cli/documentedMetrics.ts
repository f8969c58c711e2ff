/**
 * The metric names in the README's metrics table (the one headed `| metric | type | labels | what |`),
 * and those its last column marks "Linux only" (prom-client reads them from /proc).
 */
export function documentedMetrics(readme: string): { names: string[]; linuxOnly: Set<string> } {
  const lines = readme.split('\n');
  const header = lines.indexOf('| metric | type | labels | what |');
  if (header < 0) throw new Error('README: no metrics table');
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
