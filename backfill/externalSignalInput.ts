import { readFile } from 'node:fs/promises';
import type { StreamRecord } from '../topology/StreamRecord.ts';
import type { ExternalSignal } from '../market/ExternalSignal.ts';
import { normalizeSymbol } from '../market/normalizeSymbol.ts';
import { parseTimestamp } from '../market/parseTimestamp.ts';
import type { BoundedInput } from './BoundedInput.ts';
import { readCsvTable } from '../io/csv/readCsvTable.ts';

const TIME_COLUMNS = ['ts', 'timestamp', 'time', 'date', 'datetime'];

/**
 * External signals from a CSV file: a time column, an optional symbol column, and numeric columns.
 * One numeric column becomes `ext_<name>`; several become `ext_<name>_<column>`. Reference data is
 * small, so the file is read whole and sorted by time (such exports are often newest first).
 * Rows whose time cannot be read still flow, first, so the topology rejects them with a reason.
 */
export function externalSignalInput(spec: { name: string; path: string }, source: string): BoundedInput & { names(): Promise<string[]> } {
  let table: Promise<{ header: string[]; rows: string[][] }> | undefined;
  const load = () => (table ??= readFile(spec.path, 'utf8').then((text) => readCsvTable(text, spec.path)));

  const layout = async () => {
    const { header, rows } = await load();
    const timeColumn = header.findIndex((h) => TIME_COLUMNS.includes(h));
    if (timeColumn < 0) throw new Error(`${spec.path}: missing column 'date' (a time column: ${TIME_COLUMNS.join(', ')})`);
    const symbolColumn = header.indexOf('symbol');
    const numeric = header
      .map((h, i) => i)
      .filter((i) => i !== timeColumn && i !== symbolColumn && rows.some((r) => r[i] !== '' && Number.isFinite(Number(r[i]))));
    if (!numeric.length) throw new Error(`${spec.path}: no numeric column to use as a signal (columns: ${header.join(', ')})`);
    const names = numeric.map((i) => (numeric.length === 1 ? spec.name : `${spec.name}_${header[i]}`));
    return { header, rows, timeColumn, symbolColumn, numeric, names };
  };

  return {
    id: spec.path,
    source,
    broadcast: true,
    async names() {
      return (await layout()).names;
    },
    async estimatedRecords() {
      const { rows, numeric } = await layout();
      return rows.length * numeric.length;
    },
    async *batches(): AsyncGenerator<StreamRecord<ExternalSignal>[]> {
      const { rows, timeColumn, symbolColumn, numeric, names } = await layout();
      const parsed = rows.map((row, rowNumber) => ({ row, rowNumber, ts: parseTimestamp(row[timeColumn]) }));
      parsed.sort((a, b) => (a.ts ?? -Infinity) - (b.ts ?? -Infinity) || a.rowNumber - b.rowNumber);
      const records: StreamRecord<ExternalSignal>[] = [];
      for (const { row, rowNumber, ts } of parsed) {
        const symbol = symbolColumn >= 0 ? (normalizeSymbol(row[symbolColumn]) ?? row[symbolColumn]) : undefined;
        for (let k = 0; k < numeric.length; k++) {
          const raw = row[numeric[k]];
          const value = raw === '' || raw === undefined ? null : Number(raw);
          records.push({
            key: symbol ?? null,
            value: { name: names[k], symbol, ts: ts ?? NaN, value },
            timestamp: ts ?? -Infinity,
            headers: {},
            position: { source: spec.path, partition: 0, offset: rowNumber },
          });
        }
      }
      yield records;
    },
  };
}
