/** A small CSV file read whole (reference data): lower-cased header, rows of trimmed cells. Quoted cells may hold commas. */
export function readCsvTable(text: string, path: string): { header: string[]; rows: string[][] } {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  if (!lines.length) throw new Error(`${path}: empty file`);
  const header = splitCsvLine(lines[0]).map((h) => h.trim().toLowerCase());
  return { header, rows: lines.slice(1).map((line) => splitCsvLine(line).map((c) => c.trim())) };
}

export function splitCsvLine(line: string): string[] {
  if (!line.includes('"')) return line.split(',');
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      cells.push(cell);
      cell = '';
    } else cell += ch;
  }
  cells.push(cell);
  return cells;
}
