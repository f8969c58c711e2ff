import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { readParquetRows } from '../io/parquet/ParquetRowReader.ts';
import { datasetPathValues } from '../io/parquet/DatasetLayout.ts';
import { resolveCommandLine, SETTINGS_HELP } from './settings.ts';
import { UsageError } from './UsageError.ts';
import { didYouMean } from './didYouMean.ts';
import { INTERVALS, intervalMs } from '../market/interval.ts';

export const SHOW_HELP = `Usage: candlestream show <parquet dir | .jsonl file> [--rows N] [--columns LIST]

Prints how many rows each symbol and interval has (a signals output: also how many BUY, SELL and
HOLD), then the last N rows (default 3) of each symbol and interval, intervals in time order: ts and
the columns listed (features: default close, rsi_14, macd_hist, bb_lower, bb_upper, vwap, atr_14
and every ext_ column; signals: close, p_up, signal, model; "all" for every column).
${SETTINGS_HELP}`;

const FEATURE_COLUMNS = ['close', 'rsi_14', 'macd_hist', 'bb_lower', 'bb_upper', 'vwap', 'atr_14'];
const SIGNAL_DEFAULT_COLUMNS = ['close', 'p_up', 'signal', 'model'];
/** Said in every group's heading, not repeated in its table. */
const GROUP_COLUMNS = new Set(['symbol', 'interval']);

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
  const rows = (await stat(path)).isDirectory() ? await readDataset(path) : jsonLines(path, await readFile(path, 'utf8'));
  const signals = rows.length > 0 && rows.every((r) => typeof r.signal === 'string');
  const columns = shownColumns(rows, s.columns, signals, path);
  const groups = bySymbolAndInterval(rows);
  printCounts(path, rows.length, groups, signals);
  if (rowsShown) printLastRows(groups, rowsShown, columns);
}

/** A JSONL file's rows; a line that is not JSON stops it, naming the file and the line. */
function jsonLines(path: string, text: string): Row[] {
  return text.split('\n').flatMap((line, i) => {
    if (!line.trim()) return [];
    try {
      return [JSON.parse(line) as Row];
    } catch (e) {
      throw new Error(`${path} line ${i + 1}: not JSON (${(e as Error).message})`, { cause: e });
    }
  });
}

/** The columns --columns names (every one, checked against the rows), or the defaults; undefined: all. */
function shownColumns(rows: Row[], listed: string | undefined, signals: boolean, path: string): string[] | undefined {
  if (listed === 'all') return undefined;
  const present = new Set(rows.flatMap((r) => Object.keys(r)));
  if (listed === undefined)
    return signals ? SIGNAL_DEFAULT_COLUMNS : [...FEATURE_COLUMNS, ...[...present].filter((k) => k.startsWith('ext_'))];
  const wanted = listed
    .split(',')
    .map((c) => c.trim())
    .filter(Boolean);
  for (const column of wanted)
    if (!present.has(column) && rows.length)
      throw new UsageError(
        `--columns: ${path} has no column "${column}"${didYouMean(column, present) || ` (columns: ${[...present].join(', ')})`}`,
      );
  return wanted;
}

/** Rows grouped by symbol, then interval in time order (1m, 5m, 1h, 1d), each group's rows by ts. */
function bySymbolAndInterval(rows: Row[]): Group[] {
  const groups = new Map<string, Group>();
  for (const row of rows) {
    const key = `${row.symbol}\u0000${row.interval}`;
    if (!groups.has(key)) groups.set(key, { symbol: String(row.symbol), interval: String(row.interval), rows: [] });
    groups.get(key)!.rows.push(row);
  }
  for (const group of groups.values()) group.rows.sort((a, b) => Number(a.ts) - Number(b.ts));
  return [...groups.values()].sort(
    (a, b) =>
      compareText(a.symbol, b.symbol) || intervalOrder(a.interval) - intervalOrder(b.interval) || compareText(a.interval, b.interval),
  );
}

interface Group {
  symbol: string;
  interval: string;
  rows: Row[];
}

/** An interval's length, for ordering; an unknown one after the known ones. */
const intervalOrder = (interval: string) => ((INTERVALS as readonly string[]).includes(interval) ? intervalMs(interval) : Infinity);
const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function printCounts(path: string, total: number, groups: Group[], signals: boolean): void {
  console.log(`${total.toLocaleString('en-US')} ${signals ? 'signal' : 'feature'} rows in ${path}`);
  for (const { symbol, interval, rows } of groups) {
    const ts = rows.map((r) => Number(r.ts));
    const said = signals ? `  ${['BUY', 'SELL', 'HOLD'].map((s) => `${s} ${rows.filter((r) => r.signal === s).length}`).join(', ')}` : '';
    console.log(
      `  ${symbol.padEnd(10)} ${interval.padEnd(4)} ${String(rows.length).padStart(7)} rows  ${iso(ts[0])} … ${iso(ts[ts.length - 1])}${said}`,
    );
  }
}

/** Each symbol's and interval's last rows: ts and the columns asked for (undefined: every one). */
function printLastRows(groups: Group[], count: number, columns: string[] | undefined): void {
  for (const { symbol, interval, rows } of groups) {
    const last = rows.slice(-count);
    console.log(`\n${symbol} ${interval}, last ${last.length}:`);
    const shown = (k: string) => !GROUP_COLUMNS.has(k) && (k === 'ts' || !columns || columns.includes(k));
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
