import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { readParquetRows } from '../io/parquet/ParquetRowReader.ts';
import { datasetPathValues } from '../io/parquet/DatasetLayout.ts';
import { resolveCommandLine, SETTINGS_HELP } from './settings.ts';
import { UsageError } from './UsageError.ts';

export const SHOW_HELP = `Usage: candlestream show <parquet dir | .jsonl file> [--rows N] [--columns LIST]

Prints how many feature rows each interval and symbol has, then the last N rows (default 3)
of each interval for the first symbol: ts and the columns listed (default close, rsi_14, macd_hist,
bb_lower, bb_upper, vwap, atr_14 and every ext_ column; "all" for every column).
${SETTINGS_HELP}`;

const DEFAULT_COLUMNS = ['close', 'rsi_14', 'macd_hist', 'bb_lower', 'bb_upper', 'vwap', 'atr_14'];

type Row = Record<string, unknown>;

export const SHOW_SETTINGS = {
  rows: { type: 'string', default: '3' },
  columns: { type: 'string' },
} as const;

export async function showCommand(args: string[]): Promise<void> {
  const { settings: s, positionals } = resolveCommandLine(SHOW_SETTINGS, args, process.env);
  const path = positionals[0];
  if (!path) throw new UsageError('name the output to show: a parquet directory or a .jsonl file');
  const rowsShown = Number(s.rows);
  if (!Number.isInteger(rowsShown) || rowsShown < 0) throw new UsageError(`--rows must be a whole number, not "${s.rows}"`);
  const rows = (await stat(path)).isDirectory()
    ? await readDataset(path)
    : (await readFile(path, 'utf8'))
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Row);
  const groups = byIntervalAndSymbol(rows);
  printCounts(path, rows.length, groups);
  if (rowsShown) printLastRows(groups, rowsShown, s.columns);
}

/** Rows grouped by interval and symbol, the groups in that order. */
function byIntervalAndSymbol(rows: Row[]): [key: string, rows: Row[]][] {
  const groups = new Map<string, Row[]>();
  for (const row of rows) {
    const key = `${row.interval}\u0000${row.symbol}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(row);
  }
  return [...groups].sort();
}

function printCounts(path: string, total: number, groups: [string, Row[]][]): void {
  console.log(`${total.toLocaleString('en-US')} feature rows in ${path}`);
  for (const [key, list] of groups) {
    const [interval, symbol] = key.split('\u0000');
    const ts = list.map((r) => Number(r.ts));
    console.log(
      `  ${symbol.padEnd(10)} ${interval.padEnd(4)} ${String(list.length).padStart(7)} rows  ${iso(Math.min(...ts))} … ${iso(Math.max(...ts))}`,
    );
  }
}

/** The first symbol's last rows of each interval: ts and the columns asked for (`all`: every one). */
function printLastRows(groups: [string, Row[]][], count: number, columns: string | undefined): void {
  const firstSymbol = groups.map(([k]) => k.split('\u0000')[1]).sort()[0];
  for (const [key, list] of groups) {
    if (!key.endsWith(`\u0000${firstSymbol}`)) continue;
    const last = list.sort((a, b) => Number(a.ts) - Number(b.ts)).slice(-count);
    console.log(`\n${firstSymbol} ${key.split('\u0000')[0]}, last ${last.length}:`);
    const byDefault = [...DEFAULT_COLUMNS, ...Object.keys(last[0]).filter((k) => k.startsWith('ext_'))];
    const wanted = columns === 'all' ? undefined : (columns?.split(',').map((c) => c.trim()) ?? byDefault);
    const shown = (k: string) => k !== 'symbol' && k !== 'interval' && (k === 'ts' || !wanted || wanted.includes(k));
    const cell = (k: string, v: unknown) => (k === 'ts' ? iso(Number(v)) : typeof v === 'number' ? Number(v.toPrecision(8)) : v);
    console.table(
      last.map((r) =>
        Object.fromEntries(
          Object.entries(r)
            .filter(([k]) => shown(k))
            .map(([k, v]) => [k, cell(k, v)]),
        ),
      ),
    );
  }
}

async function readDataset(dir: string): Promise<Row[]> {
  const rows: Row[] = [];
  for (const file of (await readdir(dir, { recursive: true })).filter((f) => f.endsWith('.parquet')).sort()) {
    // Partition values live in the path: interval=1h/date=2023-03-01/part-….parquet (or the older interval=1h/symbol=BTC-USDT/)
    const partition = datasetPathValues(relative(dir, join(dir, file)).split(sep).join('/'));
    for await (const batch of readParquetRows(join(dir, file))) for (const { row } of batch) rows.push({ ...partition, ...row });
  }
  return rows;
}

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
