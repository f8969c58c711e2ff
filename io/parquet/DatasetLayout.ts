import { hivePartitionValues } from '../hivePartitions.ts';

const DAY_MS = 86_400_000;

/** Where a dataset's rows live: the partition directory of each row, and the order and size of its parts. */
export interface DatasetLayout {
  /** Columns kept in the path only, not in the files (Spark's convention for partition columns). */
  readonly pathColumns: readonly string[];
  /** The partition keys of its directories, outermost first (`interval`, `date`): readers refuse a dataset that mixes others in. */
  readonly directoryKeys: readonly string[];
  /** A row's directory below the dataset's root, e.g. `interval=1m/date=2023-03-01`. */
  directoryOf(value: Record<string, unknown>): string;
  /** Rows within a part are sorted by this string column, then this number column; undefined: arrival order. */
  readonly sortBy?: readonly [text: string, number: string];
  /** Rows per part at most: a directory's rows of one commit are split into parts of this many. */
  readonly maxRowsPerPart: number;
}

/** One directory per value of each column, `symbol=BTC-USDT/date=2023-03-01` (import's input layout); one part per directory. */
export function hiveLayout(partitionBy: readonly string[]): DatasetLayout {
  return {
    pathColumns: partitionBy,
    directoryKeys: partitionBy,
    directoryOf: (value) => partitionBy.map((p) => `${p}=${String(value[p])}`).join('/'),
    maxRowsPerPart: Infinity,
  };
}

/**
 * The feature layout's version, part of a backfill's job fingerprint: a run interrupted under another
 * layout (1: interval=…/symbol=…/, INT64 ts) is not resumed into this one, which would mix the two.
 */
export const FEATURE_LAYOUT_VERSION = 2;

/** Rows per feature part: about 60 MB of Parquet, the file size Spark and DuckDB read well, bounding what one encode holds. */
export const MAX_FEATURE_ROWS_PER_PART = 500_000;

/**
 * The features and signals layout: `interval=<i>/date=<UTC day of ts>/`, `symbol` a column, rows
 * sorted by (symbol, ts) so each row group's min/max statistics of symbol and ts let DuckDB, Spark
 * and pyarrow skip what a query does not need. One partition key for every interval: a dataset whose
 * intervals used different keys (month= for 1h, year= for 1d) is refused whole by DuckDB ("Hive
 * partition mismatch") and Spark's partition discovery.
 */
export function featureLayout(maxRowsPerPart = MAX_FEATURE_ROWS_PER_PART): DatasetLayout {
  // Each (interval, day)'s directory made once: a row costs two look-ups, not a Date and strings.
  const directories = new Map<unknown, Map<number, string>>();
  return {
    pathColumns: ['interval'],
    directoryKeys: ['interval', 'date'],
    directoryOf: (value) => {
      const { interval, ts } = value;
      if (typeof ts !== 'number' || !Number.isFinite(ts)) throw new Error(`a row without a numeric ts: ${JSON.stringify(value)}`);
      const day = Math.floor(ts / DAY_MS);
      let byDay = directories.get(interval);
      if (!byDay) directories.set(interval, (byDay = new Map()));
      let directory = byDay.get(day);
      if (directory === undefined) {
        directory = `interval=${String(interval)}/date=${new Date(day * DAY_MS).toISOString().slice(0, 10)}`;
        byDay.set(day, directory);
      }
      return directory;
    },
    sortBy: ['symbol', 'ts'],
    maxRowsPerPart,
  };
}

/**
 * The column values a features or signals file's path holds (`interval`, and `symbol` in the older
 * `interval=…/symbol=…/` layout), without featureLayout's `date` (where a row lies in time, which its
 * `ts` says): readers of either layout get the same rows.
 */
export function datasetPathValues(relativePath: string): Record<string, string> {
  const { date: _, ...values } = hivePartitionValues(relativePath);
  return values;
}
